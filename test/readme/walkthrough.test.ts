import { eventually } from '../fixtures/wait';
import { missingLines, readmeBlocks, ROOT, runReadmeBlocks, startService } from './readme-runner';

// The CLI from its sources, as the other tests run it: `npm run cli` would need a fresh build
// (tens of seconds of tsc). The README's own line keeps a `telltale` that already exists.
const CLI_FROM_SOURCES = `telltale() { node -r @swc-node/register "${ROOT}/src/cli.ts" "$@"; }`;

describe('README: "The first hour" walkthrough', () => {
  it('when every command of the walkthrough runs against a fresh service, then each prints what the README says, and the log has the client entry and the aggregated refusal', async () => {
    const blocks = readmeBlocks('walkthrough');
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const service = await startService();
    try {
      const result = runReadmeBlocks(blocks, { preamble: CLI_FROM_SOURCES, env: { ...service.env, TELLTALE: service.baseUrl }, timeoutMs: 300_000 });
      const failures = result.runs.map((run) => ({ block: run.block.index, missing: missingLines(run), output: run.output })).filter((f) => f.missing.length > 0);
      expect({ status: result.status, ran: result.runs.length, stderr: result.stderr.trim(), failures }).toEqual({ status: 0, ran: blocks.length, stderr: '', failures: [] });

      // The service's stdout is written asynchronously (pino): wait for the client entry to land.
      await eventually(() => service.stdout(), (out) => out.includes('[CLIENT] Update failed'));
      const log = service.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line));
      expect(log).toContainEqual(expect.objectContaining({ source: 'client-app', msg: '[CLIENT] Update failed', context: expect.objectContaining({ metadata: { password: '[Filtered]', attempt: 2 } }) }));
      expect(log).toContainEqual(expect.objectContaining({ msg: 'request completed', route: '/reports/ingest', reason: 'rate_limited', res: { statusCode: 429 }, count: 1 }));
    } finally {
      await service.stop();
    }
  }, 360_000);
});
