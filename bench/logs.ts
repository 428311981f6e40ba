// Accepted client log entries per second for 100-entry batches through the intake (schema, metadata
// bounds, scrubbing, enrichment, pino sink), as a ratio to pino writing the same enriched records
// directly, in the same run and to the same /dev/null destination.
// Run: node -r @swc-node/register bench/logs.ts
import pino from 'pino';
import { MemoryMetrics } from '../src/adapters/memory/memory-metrics';
import { systemClock } from '../src/adapters/memory/system-clock';
import { NoopAppIntegrity } from '../src/adapters/noop/noop-app-integrity';
import { PinoClientLogSink } from '../src/adapters/pino/pino-client-log-sink';
import { loadConfig } from '../src/composition/config';
import { LogsIntake } from '../src/app/logs-intake';
import { enrich, enrichContext, type ClientLogBatch } from '../src/domain/log-entry';
import { compileScrubber } from '../src/domain/privacy';

const BATCHES = Number(process.argv[2] ?? 2000);
const settings = loadConfig({}).logs;
const devNull = () => pino.destination({ dest: '/dev/null', sync: true });

const batch: ClientLogBatch = {
  logs: Array.from({ length: 100 }, (_, i) => ({
    level: (['debug', 'info', 'warn', 'error', 'fatal'] as const)[i % 5]!,
    message: `Transaction ${i} failed`,
    timestamp: 1736956780000 + i,
    traceId: `tx_${i}`,
    context: { screen: 'SendScreen', action: 'submitTransaction', error: { code: 'INSUFFICIENT_BALANCE', stack: 'Error: x\n    at y (z.js:1:1)' }, metadata: { amount: i, token: 'secret-token', nested: { a: [1, 2, 3] } } },
  })),
  device: { platform: 'ios', osVersion: '17.2', model: 'iPhone 15 Pro', appVersion: '2.5.0' },
  sessionId: 'sess_xyz789',
};
const body = JSON.parse(JSON.stringify(batch));
const caller = { authMode: 'unauthenticated' as const, userId: null, deviceId: '550e8400-e29b-41d4-a716-446655440000' };

const intake = new LogsIntake({
  tokenVerifier: { verify: async () => null },
  appIntegrity: new NoopAppIntegrity(),
  sink: new PinoClientLogSink({ level: 'debug', destination: 'stdout' }, devNull()),
  metrics: new MemoryMetrics(),
  clock: systemClock,
  settings,
});

const scrub = compileScrubber(settings.scrubKeys);
const ctx = enrichContext(batch, { caller, source: settings.source, requestTraceId: 'req', serverTimestamp: Date.now(), scrub });
const records = batch.logs.map((entry) => ({ level: entry.level, record: enrich(entry, ctx), msg: `[CLIENT] ${entry.message}` }));
const direct = pino({ level: 'debug', timestamp: pino.stdTimeFunctions.isoTime }, devNull());

function measure(run: () => void): number {
  for (let i = 0; i < Math.min(200, BATCHES); i++) run();
  const started = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++) run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (BATCHES * 100) / seconds;
}

/** Median of 5 runs of the scrubber over one value of 20,000 entries (test/unit/privacy.test.ts checks what it filters). */
function scrubLargeMs(): number {
  const entries = Array.from({ length: 20_000 }, (_, i) => ({ id: i, screen: `S${i}`, password: `pw-${i}`, tags: ['a', 'b', `Bearer abcdefghijklmnopq${i}`] }));
  const runs = Array.from({ length: 5 }, () => {
    const started = process.hrtime.bigint();
    scrub({ entries });
    return Number(process.hrtime.bigint() - started) / 1e6;
  });
  return runs.sort((x, y) => x - y)[2]!;
}

const baseline = measure(() => {
  for (const r of records) direct[r.level](r.record, r.msg);
});
const intakeRate = measure(() => intake.accept(caller, body, 'req'));
process.stdout.write(
  `${JSON.stringify({ batches: BATCHES, batchSize: 100, pinoDirectEntriesPerSec: Math.round(baseline), intakeEntriesPerSec: Math.round(intakeRate), ratio: +(intakeRate / baseline).toFixed(3), scrub20000EntriesMs: Math.round(scrubLargeMs()) })}\n`,
);
