import { missingLines, readmeBlocks, ROOT, runReadmeBlocks, startService } from './readme-runner';

// The CLI from its sources (see walkthrough.test.ts), then the walkthrough's first block (TELLTALE,
// json, telltale) and its admin: the section continues the walkthrough in the same shell.
const CLI_FROM_SOURCES = `telltale() { node -r @swc-node/register "${ROOT}/src/cli.ts" "$@"; }`;
const ALICE = `telltale admins create --username alice --password 'correct horse battery' >/dev/null`;

describe('README: "Rollout rates" section', () => {
  it('when beacons from two versions and a few crash reports are sent with curl, then GET /rollouts/rates and the CLI show rates with intervals, and the small beta is suppressed', async () => {
    const blocks = readmeBlocks('rollouts');
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const [definitions] = readmeBlocks('walkthrough');
    const service = await startService();
    try {
      const result = runReadmeBlocks(blocks, { preamble: [CLI_FROM_SOURCES, definitions!.code, ALICE].join('\n'), env: { ...service.env, TELLTALE: service.baseUrl }, timeoutMs: 300_000 });
      const failures = result.runs.map((run) => ({ block: run.block.index, missing: missingLines(run), output: run.output })).filter((f) => f.missing.length > 0);
      expect({ status: result.status, ran: result.runs.length, stderr: result.stderr.trim(), failures }).toEqual({ status: 0, ran: blocks.length, stderr: '', failures: [] });
    } finally {
      await service.stop();
    }
  }, 360_000);
});
