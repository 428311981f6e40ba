import type { ReportRepository } from '../../src/ports/report-repository';

// Placeholder with the agreed signature; the real suite comes from another branch at merge.
export function reportRepositoryContract(adapterName: string, make: () => Promise<{ repo: ReportRepository; cleanup(): Promise<void> }>): void {
  describe(`ReportRepository contract: ${adapterName}`, () => {
    it('contract suite placeholder', async () => {
      const { repo, cleanup } = await make();
      try {
        await repo.ping();
      } finally {
        await cleanup();
      }
    });
  });
}
