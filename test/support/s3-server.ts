import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;
// s3rver ships no types; its constructor is all the tests use
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as S3rverCtor;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** the variables that point a server at this store, under `prefix` */
  env(prefix: string): Record<string, string>;
  /** the directory s3rver keeps objects in (tests delete objects behind the server's back) */
  directory: string;
  close(): Promise<void>;
}

/** An S3-compatible server from npm (s3rver) on loopback with one bucket, for file-storage tests. */
export async function startLocalS3(bucket = 'openguilds-test'): Promise<LocalS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'og-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    env: (prefix) => ({
      FILE_STORAGE_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    }),
    close: async () => {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
