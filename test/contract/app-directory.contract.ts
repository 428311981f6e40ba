import type { AppDirectory } from '../../src/ports/app-directory';

// Placeholder with the agreed signature; the real suite comes from another branch at merge.
export function appDirectoryContract(adapterName: string, make: () => Promise<{ directory: AppDirectory; cleanup(): Promise<void> }>): void {
  describe(`AppDirectory contract: ${adapterName}`, () => {
    it('contract suite placeholder', async () => {
      const { directory, cleanup } = await make();
      try {
        await directory.ping();
      } finally {
        await cleanup();
      }
    });
  });
}
