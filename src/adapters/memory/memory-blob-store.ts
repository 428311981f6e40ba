import type { LocalUrlSigner } from '../../domain/signed-url';
import type { BlobStore } from '../../ports/blob-store';

export class MemoryBlobStore implements BlobStore {
  readonly driver = 'memory';
  private readonly objects = new Map<string, Buffer>();

  constructor(private readonly signer: LocalUrlSigner) {}

  async put(key: string, body: Buffer): Promise<void> {
    this.objects.set(key, Buffer.from(body));
  }

  async get(key: string): Promise<Buffer | null> {
    const body = this.objects.get(key);
    return body ? Buffer.from(body) : null;
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async signedUrl(key: string, ttlSeconds: number): Promise<string> {
    return this.signer.url(key, ttlSeconds);
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
