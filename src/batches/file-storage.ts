import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * Where uploaded bytes live. Content-addressed by the caller (key = owner/checksum), so `put` of
 * an existing key is a no-op. The default is a local directory; an object store fits the same
 * three methods.
 */
export interface FileStorage {
  put(key: string, bytes: Buffer): Promise<void>;
  exists(key: string): Promise<boolean>;
  open(key: string): Readable;
  /** Deletes the bytes of `key` (no error if absent): an upload whose rows rolled back. */
  remove(key: string): Promise<void>;
}

export const FILE_STORAGE = Symbol('FILE_STORAGE');

const KEY = /^[\w-]+(\/[\w-]+)*$/;

export class LocalFileStorage implements FileStorage {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`bad storage key ${key}`);
    return path.join(this.root, ...key.split('/'));
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

  open(key: string): Readable {
    return fs.createReadStream(this.pathOf(key));
  }

  async remove(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }
}
