import { FsBlobStore } from '../adapters/fs/fs-blob-store';
import { MemoryBlobStore } from '../adapters/memory/memory-blob-store';
import type { LocalUrlSigner } from '../domain/signed-url';
import type { BlobStore } from '../ports/blob-store';
import type { Closers } from './closers';
import { ConfigError, startupError, type Config } from './config';

/** The store of report details chosen by STORAGE_DRIVER, checked before the service starts. */
export async function composeBlobStore(config: Readonly<Config>, signer: LocalUrlSigner, closers: Closers, onWriteError?: (error: unknown) => void): Promise<BlobStore> {
  const blobStore = await open(config, signer, onWriteError);
  closers.add(() => blobStore.close());
  return blobStore;
}

async function open(config: Readonly<Config>, signer: LocalUrlSigner, onWriteError?: (error: unknown) => void): Promise<BlobStore> {
  switch (config.storage.driver) {
    case 'memory':
      return new MemoryBlobStore(signer);
    case 'fs': {
      const store = new FsBlobStore(config.dataDir, signer, onWriteError);
      await store.ping().catch((error: Error) => {
        throw new ConfigError('DATA_DIR', `cannot write blobs under ${config.dataDir}: ${error.message}`);
      });
      await store.clearLeftovers(new Date()).catch((error: Error) => {
        throw new ConfigError('DATA_DIR', `cannot clear temp files under ${config.dataDir}: ${error.message}`);
      });
      await store.tightenModes().catch((error: Error) => {
        throw new ConfigError('DATA_DIR', `cannot make the blobs under ${config.dataDir} private (0700/0600): ${error.message}`);
      });
      return store;
    }
    case 's3': {
      // Loaded only when configured: the AWS SDK is a large part of the start-up time otherwise.
      const { S3BlobStore } = await import('../adapters/s3/s3-blob-store');
      const s3 = await S3BlobStore.connect(config.storage.s3).catch((error: Error) => {
        throw startupError(error, 'STORAGE_DRIVER');
      });
      if (config.reports.s3Lifecycle) {
        await s3.applyLifecycle(`${config.reports.storagePrefix}/`, config.reports.blobRetentionDays).catch(async (error: Error) => {
          await s3.close();
          throw new ConfigError('REPORTS_S3_LIFECYCLE', `cannot set the bucket lifecycle: ${error.message}`);
        });
      }
      return s3;
    }
    default:
      throw new ConfigError('STORAGE_DRIVER', `driver "${config.storage.driver}" is not available in this build`);
  }
}
