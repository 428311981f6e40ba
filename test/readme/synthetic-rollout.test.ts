import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, missingLines, readmeBlocks, ROOT, runReadmeBlocks, startService } from './readme-runner';

const CLI_FROM_SOURCES = `telltale() { node -r @swc-node/register "${ROOT}/src/cli.ts" "$@"; }`;
const ALICE = `telltale admins create --username alice --password 'correct horse battery' >/dev/null`;
// A failing block must not leave the background receiver running.
const KILL_JOBS_ON_EXIT = `trap 'kill $(jobs -p) 2>/dev/null || true' EXIT`;

describe('README: "A rollout that halts" section', () => {
  it('when the synthetic rollout runs against a service started with WEBHOOK_ALLOW_PRIVATE=true, then the release goes watch → halt, the receiver prints the verified event, and the resume is recorded', async () => {
    const blocks = readmeBlocks('synthetic-rollout');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const [definitions] = readmeBlocks('walkthrough');
    const service = await startService({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    // The script's state file goes to a temp dir, not the clone.
    const stateDir = mkdtempSync(join(tmpdir(), 'telltale-synthetic-'));
    try {
      const env = { ...service.env, TELLTALE: service.baseUrl, RECEIVER_PORT: String(await freePort()), STATE_FILE: join(stateDir, 'state.json') };
      const result = runReadmeBlocks(blocks, { preamble: [KILL_JOBS_ON_EXIT, CLI_FROM_SOURCES, definitions!.code, ALICE].join('\n'), env, timeoutMs: 300_000 });
      const failures = result.runs.map((run) => ({ block: run.block.index, missing: missingLines(run), output: run.output })).filter((f) => f.missing.length > 0);
      expect({ status: result.status, ran: result.runs.length, stderr: result.stderr.trim(), failures }).toEqual({ status: 0, ran: blocks.length, stderr: '', failures: [] });
    } finally {
      await service.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 360_000);
});
