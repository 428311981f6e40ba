import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PinoClientLogSink } from '../../src/adapters/pino/pino-client-log-sink';
import { CLIENT_LOG_LEVELS } from '../../src/domain/log-entry';
import { CapturedLog } from '../fixtures/harness';
import { eventually } from '../fixtures/wait';

describe('PinoClientLogSink', () => {
  it('when each level is written, then pino writes it at the same level, fatal included', () => {
    const out = new CapturedLog();
    const sink = new PinoClientLogSink({ level: 'debug', destination: 'stdout' }, out);
    for (const level of CLIENT_LOG_LEVELS) sink.write(level, { source: 'client-app' }, `[CLIENT] ${level}`);
    expect(out.lines.map((line) => JSON.parse(line).level)).toEqual([20, 30, 40, 50, 60]);
  });

  it('when the destination is a file path, then lines go there with source, and not to the service log', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'telltale-sink-')), 'nested', 'client.log');
    const sink = new PinoClientLogSink({ level: 'info', destination: path });
    sink.write('info', { source: 'rumble-mobile', traceId: 't' }, '[CLIENT] hello');
    sink.write('debug', { source: 'rumble-mobile' }, '[CLIENT] below the level');
    await sink.flush();
    // The async destination finishes its write after flush returns; wait for it to land.
    await eventually(() => readFileSync(path, 'utf8'), (text) => text.includes('\n'));
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ source: 'rumble-mobile', traceId: 't', msg: '[CLIENT] hello' });
    expect(lines[0].service).toBeUndefined();
  });
});
