// CPU of one rollout evaluation over many cells, on the embedded default (SQLite sketches), and the
// longest stretch it keeps the event loop busy. A release and its baseline each run in CELLS cells
// (channel × platform × arch) with Zipf-sized device counts, two UTC days of daily sketches; the
// evaluator reads them, updates the evidence of the release and judges it, as the service does.
//
// Run: node -r @swc-node/register bench/rollout-evaluation.ts [--cells 1000] [--devices 200000] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rolloutPayloads } from '../src/adapters/http/views';
import { MemoryAppDirectory } from '../src/adapters/memory/memory-app-directory';
import { MemoryBeaconRefusalStore } from '../src/adapters/memory/memory-beacon-refusals';
import { openSqliteDatabase } from '../src/adapters/sqlite/sqlite-database';
import { SqliteDeviceSketchStore } from '../src/adapters/sqlite/sqlite-device-sketches';
import { SqliteVerdictStore } from '../src/adapters/sqlite/sqlite-verdict-store';
import { RolloutEvaluator } from '../src/app/rollout-evaluator';
import { RolloutRates } from '../src/app/rollout-rates';
import { emptyRegisters, HLL_MAX_RANK, HLL_REGISTERS } from '../src/domain/hyperloglog';
import type { RolloutCell } from '../src/domain/rollout-cell';
import type { SketchEntry, SketchKind } from '../src/ports/device-sketches';
import { mulberry32 } from './rollout-simulation';

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** Registers as `n` uniform random elements would leave them (index uniform, rank geometric). */
function sketchOf(n: number, random: () => number): Uint8Array {
  const registers = emptyRegisters();
  for (let i = 0; i < n; i++) {
    const index = Math.floor(random() * HLL_REGISTERS);
    const rank = Math.min(HLL_MAX_RANK, 1 + Math.floor(-Math.log2(1 - random())));
    if (rank > registers[index]!) registers[index] = rank;
  }
  return registers;
}

async function main(argv: string[]): Promise<void> {
  const cells = arg(argv, '--cells', 1000);
  const devices = arg(argv, '--devices', 200_000);
  const rounds = arg(argv, '--rounds', 3);
  const dir = mkdtempSync(join(tmpdir(), 'telltale-eval-bench-'));
  const db = openSqliteDatabase(dir);
  try {
    const store = new SqliteDeviceSketchStore(db);
    const random = mulberry32(11);
    const now = Date.UTC(2026, 0, 7, 15, 30);
    const days = [Date.UTC(2026, 0, 6), Date.UTC(2026, 0, 7)];
    const harmonic = Array.from({ length: cells }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b, 0);
    let sketches = 0;
    for (const [version, share] of [['1.0.0', 0.8], ['1.1.0', 0.2]] as const) {
      for (let i = 0; i < cells; i++) {
        const cell: RolloutCell = { version, channel: i % 2 ? 'beta' : 'stable', platform: `platform-${i % 40}`, arch: `arch-${Math.floor(i / 40)}` };
        const n = Math.max(1, Math.round((devices * share) / (harmonic * (i + 1))));
        const entries: SketchEntry[] = [];
        for (const day of days) {
          const kinds: Array<[SketchKind, number]> = [['active', n], ['affected:crash', Math.round(n * 0.005)], ['affected:startup_failure', Math.round(n * 0.001)]];
          for (const [kind, count] of kinds) if (count > 0) entries.push({ key: { appId: 'app', cell, granularity: 'day', bucket: new Date(day), kind }, registers: sketchOf(count, random) });
        }
        sketches += entries.length;
        await store.merge(entries);
      }
    }
    const rates = new RolloutRates({ directory: new MemoryAppDirectory(), store, refusals: new MemoryBeaconRefusalStore(), clock: { now: () => new Date(now) }, minDevices: 20 });
    console.log(`rollout evaluation: 2 versions × ${cells} cells, ${devices} daily devices, 2 days of daily sketches (${sketches} sketches in SQLite)`);
    // The embedded default's verdict store: round 1 starts the evidence, later rounds add to the stored one.
    const verdicts = new SqliteVerdictStore(db);
    for (let round = 0; round < rounds; round++) {
      const evaluator = new RolloutEvaluator({
        counts: rates,
        store: verdicts,
        apps: { listAppIds: async () => ['app'] },
        clock: { now: () => new Date(now + round * 60_000) },
        newId: () => 'e',
        settings: { defaults: {}, bootstrapDays: 14 },
        payloads: rolloutPayloads,
      });
      // A 1 ms ticker: the wall time between two ticks is how long a request could wait (on a busy
      // machine it includes time the process was not scheduled); the CPU time between two ticks is the
      // longest stretch of work without a yield, which the machine's load doesn't inflate.
      let longestWall = 0;
      let longestCpu = 0;
      let last = performance.now();
      let lastCpu = process.cpuUsage();
      const ticker = setInterval(() => {
        const cpuNow = process.cpuUsage();
        longestWall = Math.max(longestWall, performance.now() - last);
        longestCpu = Math.max(longestCpu, (cpuNow.user + cpuNow.system - lastCpu.user - lastCpu.system) / 1000);
        last = performance.now();
        lastCpu = cpuNow;
      }, 1);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const states = await evaluator.evaluateApp('app');
      const wall = performance.now() - started;
      const used = process.cpuUsage(cpu);
      clearInterval(ticker);
      const release = states.find((s) => s.version === '1.1.0')!;
      console.log(
        `round ${round + 1}: CPU ${((used.user + used.system) / 1000).toFixed(0)} ms, wall ${wall.toFixed(0)} ms, longest stretch without a yield: ${longestCpu.toFixed(1)} ms of CPU (${longestWall.toFixed(1)} ms of wall); 1.1.0 ${release.role} ${release.verdict} over ${release.evidence?.cells.length ?? 0} cells`,
      );
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main(process.argv.slice(2));
