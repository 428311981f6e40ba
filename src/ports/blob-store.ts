export interface BlobStore {
  /** Recorded in report_blobs.storage.driver. */
  readonly driver: string;
  put(key: string, body: Buffer, meta: { contentType: string; contentEncoding?: string }): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  /** Missing keys are not an error. */
  delete(keys: string[]): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** A URL that lets anyone holding it GET the object until it expires. */
  signedUrl(key: string, ttlSeconds: number): Promise<string>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
