import {
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobStore } from '../../ports/blob-store';

export interface S3Settings {
  readonly bucket: string | null;
  readonly endpoint: string | null;
  readonly region: string;
  readonly accessKeyId: string | null;
  readonly secretAccessKey: string | null;
  readonly forcePathStyle: boolean;
  readonly checksumMode: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  /**
   * The endpoint that browsers reach, used only to presign download URLs (S3_PUBLIC_ENDPOINT):
   * in compose the service talks to http://minio:9000, a name only the compose network resolves.
   */
  readonly publicEndpoint?: string | null;
}

/** S3 allows at most this many keys in one DeleteObjects request. */
const DELETE_BATCH = 1000;

/** Objects in the private bucket only; downloads go through presigned GET URLs. */
export class S3BlobStore implements BlobStore {
  readonly driver = 's3';

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    /** Signs download URLs; the client itself when there is no separate public endpoint. */
    private readonly presigner: S3Client = client,
  ) {}

  static fromSettings(settings: S3Settings): S3BlobStore {
    if (!settings.bucket) throw new Error('S3_BUCKET_NAME_PRIVATE: is required for the s3 storage driver');
    const client = s3Client(settings);
    // Presigning is local computation: this client never opens a connection.
    const presigner = settings.publicEndpoint ? s3Client({ ...settings, endpoint: settings.publicEndpoint }) : client;
    return new S3BlobStore(client, settings.bucket, presigner);
  }

  /** For startup: the store, once its bucket answered; otherwise an Error naming the variable to fix. */
  static async connect(settings: S3Settings): Promise<S3BlobStore> {
    const store = S3BlobStore.fromSettings(settings);
    try {
      await store.checkBucket();
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async checkBucket(): Promise<void> {
    try {
      await this.ping();
    } catch (error) {
      const status = (error as S3ServiceException).$metadata?.httpStatusCode;
      const detail = `${(error as Error).name}${status ? ` (HTTP ${status})` : ''}`;
      if (status === 404) throw new Error(`S3_BUCKET_NAME_PRIVATE: bucket "${this.bucket}" does not exist: ${detail}`);
      // AWS answers 400 when the signature's region is wrong for the bucket.
      if (status === 400) throw new Error(`S3_REGION/S3_ACCESS_KEY/S3_SECRET_KEY: the server refused the request for bucket "${this.bucket}": ${detail}`);
      if (status === 401 || status === 403) {
        throw new Error(`S3_ACCESS_KEY/S3_SECRET_KEY: the server refused these credentials for bucket "${this.bucket}": ${detail}`);
      }
      throw new Error(`S3_ENDPOINT: cannot reach bucket "${this.bucket}": ${(error as Error).message || detail}`);
    }
  }

  async put(key: string, body: Buffer, meta: { contentType: string; contentEncoding?: string }): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: meta.contentType,
        ...(meta.contentEncoding ? { ContentEncoding: meta.contentEncoding } : {}),
      }),
    );
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.Body ? Buffer.from(await res.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        throw new Error(`S3 DeleteObjects failed for ${failed.length} key(s), first: ${failed[0]!.Key} ${failed[0]!.Code} ${failed[0]!.Message ?? ''}`.trim());
      }
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  signedUrl(key: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: ttlSeconds });
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /**
   * Lets the bucket expire objects under `prefix` after `days`, as a backstop to the service's own
   * sweep. Other lifecycle rules on the bucket are kept; ours is replaced by its id.
   */
  async applyLifecycle(prefix: string, days: number): Promise<void> {
    const id = `telltale-expire-${prefix}`.slice(0, 255);
    let rules: LifecycleRule[] = [];
    try {
      rules = (await this.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: this.bucket }))).Rules ?? [];
    } catch (error) {
      if ((error as Error).name !== 'NoSuchLifecycleConfiguration') throw error;
    }
    const ours: LifecycleRule = { ID: id, Status: 'Enabled', Filter: { Prefix: prefix }, Expiration: { Days: days } };
    await this.client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: this.bucket,
        LifecycleConfiguration: { Rules: [...rules.filter((r) => r.ID !== id), ours] },
      }),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}

export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    // S3-compatible servers reject the newer default checksums; the mode comes from S3_CHECKSUM_MODE.
    requestChecksumCalculation: settings.checksumMode,
    responseChecksumValidation: settings.checksumMode,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
  });
}

const isNotFound = (error: unknown) =>
  (error as Error).name === 'NoSuchKey' || (error as S3ServiceException).$metadata?.httpStatusCode === 404;
