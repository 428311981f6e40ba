import { ManualClock } from '../fixtures/clock';
import { SignInTally } from '../../src/app/sign-in-tally';

describe('SignInTally', () => {
  const start = new Date('2030-01-01T00:00:00Z');

  it('when an address tries more often, then its rank is higher; an unseen address ranks 0', () => {
    const tally = new SignInTally(new ManualClock(start));
    for (let i = 0; i < 5; i++) tally.record('10.0.0.1');
    tally.record('10.0.0.2');
    expect(tally.rank('10.0.0.1')).toBe(5);
    expect(tally.rank('10.0.0.2')).toBe(1);
    expect(tally.rank('10.0.0.3')).toBe(0);
  });

  it('when the window moves on, then the last window counts in proportion to its part still within the last minute, and nothing after two windows', () => {
    const clock = new ManualClock(start);
    const tally = new SignInTally(clock);
    for (let i = 0; i < 10; i++) tally.record('10.0.0.1');
    clock.advance(75_000);
    expect(tally.rank('10.0.0.1')).toBeCloseTo(7.5);
    tally.record('10.0.0.1');
    expect(tally.rank('10.0.0.1')).toBeCloseTo(8.5);
    clock.advance(120_000);
    expect(tally.rank('10.0.0.1')).toBe(0);
  });

  it('when more addresses than maxAddresses are seen, then the least recently seen is forgotten', () => {
    const tally = new SignInTally(new ManualClock(start), { windowMs: 60_000, maxAddresses: 2 });
    tally.record('a');
    tally.record('b');
    tally.record('a');
    tally.record('c');
    expect([tally.rank('a'), tally.rank('b'), tally.rank('c')]).toEqual([2, 0, 1]);
  });
});
