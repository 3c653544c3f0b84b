import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { FileStorageConfig } from '../config/config';

/**
 * Where uploaded bytes live. Content-addressed by the caller (key = owner/checksum), so `put` of
 * an existing key is a no-op. FILE_STORAGE_URL picks the store: a directory (`file:DIR`, the
 * default `$DATA_DIR/files`; several processes share it when they share the directory) or an
 * S3-compatible bucket (`s3://bucket/prefix`).
 */
export interface FileStorage {
  put(key: string, bytes: Buffer): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** The bytes, or undefined when the store has no such object (the API answers 404). */
  open(key: string): Promise<Readable | undefined>;
  /** Deletes the bytes of `key` (no error if absent): an upload whose rows rolled back. */
  remove(key: string): Promise<void>;
}

export const FILE_STORAGE = Symbol('FILE_STORAGE');

const KEY = /^[\w-]+(\/[\w-]+)*$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`bad storage key ${key}`);
  return key;
}

export function createFileStorage(config: FileStorageConfig): FileStorage {
  return config.kind === 'file' ? new LocalFileStorage(config.dir) : new S3FileStorage(config);
}

export class LocalFileStorage implements FileStorage {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const target = this.pathOf(key);
    if (await this.exists(key)) return;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    // write then rename: a reader never sees half a file, and two writers of one key agree
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, bytes, { flag: 'wx' });
    await fs.promises.rename(tmp, target);
  }

  async exists(key: string): Promise<boolean> {
    return fs.promises
      .access(this.pathOf(key))
      .then(() => true)
      .catch(() => false);
  }

  async open(key: string): Promise<Readable | undefined> {
    // open first, so a missing file is known before any byte of the response is sent
    const handle = await fs.promises.open(this.pathOf(key), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return handle?.createReadStream();
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }
}

type S3Config = Extract<FileStorageConfig, { kind: 's3' }>;
type S3Module = typeof import('@aws-sdk/client-s3');

/** Objects at `<prefix><owner>/<checksum>` in one bucket of any S3-compatible store. */
export class S3FileStorage implements FileStorage {
  // the SDK is loaded on first use: a server on local files never pays for it at start-up
  private client: Promise<{ s3: S3Client; sdk: S3Module }> | undefined;

  constructor(private readonly config: S3Config) {}

  private connect(): Promise<{ s3: S3Client; sdk: S3Module }> {
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => {
      const c = this.config;
      const s3 = new sdk.S3Client({
        region: c.region,
        // path-style (endpoint/bucket/key) is what MinIO, s3rver and most non-AWS stores expect
        ...(c.endpoint ? { endpoint: c.endpoint, forcePathStyle: true } : {}),
        ...(c.accessKeyId && c.secretAccessKey ? { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } } : {}),
      });
      return { s3, sdk };
    });
    return this.client;
  }

  private objectKey(key: string): string {
    return `${this.config.prefix}${checkKey(key)}`;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const { s3, sdk } = await this.connect();
    // one PUT is atomic on S3 (a reader sees the whole object or none), and the key is the
    // content's checksum, so writing an existing key again changes nothing
    await s3.send(new sdk.PutObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), Body: bytes, ContentLength: bytes.length }));
  }

  async exists(key: string): Promise<boolean> {
    const { s3, sdk } = await this.connect();
    try {
      await s3.send(new sdk.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    const { s3, sdk } = await this.connect();
    // DeleteObject of a missing key succeeds on S3
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
  }

  async open(key: string): Promise<Readable | undefined> {
    const { s3, sdk } = await this.connect();
    try {
      const res = await s3.send(new sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return res.Body as Readable; // in Node the SDK's body is an http.IncomingMessage
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
