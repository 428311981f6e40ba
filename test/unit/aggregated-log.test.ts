import { AggregatedLog, OVERFLOW_KEY } from '../../src/adapters/pino/aggregated-log';

function setup(options: { maxKeys?: number } = {}) {
  let now = 0;
  const lines: { sample: string; count: number }[] = [];
  const log = new AggregatedLog<string>((sample, count) => lines.push({ sample, count }), { now: () => now, timer: false, ...options });
  return { log, lines, advance: (ms: number) => void (now += ms) };
}

describe('AggregatedLog', () => {
  it('when a key occurs once, then one line with count 1 is written at once, and the key is forgotten after a quiet window', () => {
    const { log, lines, advance } = setup();
    log.record('401', 'a');
    expect(lines).toEqual([{ sample: 'a', count: 1 }]);
    advance(1000);
    log.flush();
    expect(lines).toHaveLength(1);
    expect(log.size).toBe(0);
    log.record('401', 'b');
    expect(lines).toEqual([{ sample: 'a', count: 1 }, { sample: 'b', count: 1 }]);
  });

  it('when a key occurs 1000 times within a second, then there are two lines: the first at once, the rest as one count at the window end', () => {
    const { log, lines, advance } = setup();
    for (let i = 0; i < 1000; i++) {
      log.record('429', `r${i}`);
      advance(0.5);
    }
    expect(lines).toEqual([{ sample: 'r0', count: 1 }]);
    advance(500);
    log.flush();
    expect(lines).toEqual([{ sample: 'r0', count: 1 }, { sample: 'r999', count: 999 }]);
  });

  it('when a storm lasts 10 seconds, then each key writes at most one line per second and the counts add up to every occurrence', () => {
    const { log, lines, advance } = setup();
    const written: number[] = [];
    let t = 0;
    for (let i = 0; i < 10_000; i++) {
      const before = lines.length;
      log.record('429', 'x');
      if (i % 10 === 0) log.flush();
      if (lines.length > before) written.push(t);
      advance(1);
      t += 1;
    }
    advance(1000);
    log.flush();
    expect(lines.reduce((sum, l) => sum + l.count, 0)).toBe(10_000);
    expect(lines.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < written.length; i++) expect(written[i]! - written[i - 1]!).toBeGreaterThanOrEqual(1000);
  });

  it('when keys differ, then each has its own window', () => {
    const { log, lines } = setup();
    log.record('401', 'a');
    log.record('403', 'b');
    log.record('401', 'c');
    expect(lines).toEqual([{ sample: 'a', count: 1 }, { sample: 'b', count: 1 }]);
  });

  it('when the timer lags, then the occurrence after the window end writes the pending line itself', () => {
    const { log, lines, advance } = setup();
    log.record('k', 'a');
    log.record('k', 'b');
    advance(1500);
    log.record('k', 'c');
    expect(lines).toEqual([{ sample: 'a', count: 1 }, { sample: 'c', count: 2 }]);
  });

  it('when more keys than maxKeys occur, then the new ones share the overflow key', () => {
    const { log, lines } = setup({ maxKeys: 2 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) log.record(key, key);
    expect(lines.map((l) => l.sample)).toEqual(['a', 'b', 'c']);
    expect(log.size).toBe(3);
    log.close();
    expect(lines.at(-1)).toEqual({ sample: 'e', count: 2 });
    expect(log.size).toBe(0);
    expect(OVERFLOW_KEY).toBe('(other)');
  });

  it('when closed, then every pending count is written, ended window or not', () => {
    const { log, lines } = setup();
    log.record('k', 'a');
    log.record('k', 'b');
    log.record('k', 'c');
    log.close();
    expect(lines).toEqual([{ sample: 'a', count: 1 }, { sample: 'c', count: 2 }]);
  });
});
