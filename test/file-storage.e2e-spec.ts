import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../src/config/config';
import { registerUser, TestUser } from './support/fixtures';
import { startLocalS3, LocalS3 } from './support/s3-server';
import { startTestServer, TestServer } from './support/server';
import { setUpPipeline } from './support/work-fixtures';

/**
 * Uploads and downloads through each kind of FILE_STORAGE_URL, and what happens when the store
 * lost the bytes a row points to: a 404 in the error shape (it used to be an empty reply).
 */
describe.each([
  ['file: directory', 'file'],
  ['S3-compatible store (s3rver)', 's3'],
])('files on %s', (_name, kind) => {
  let s: TestServer;
  let s3: LocalS3 | undefined;
  let owner: TestUser;
  let filesDir: string;
  let deleteObject: (key: string) => Promise<void>;

  beforeAll(async () => {
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-files-'));
    let env: Record<string, string> = { FILE_STORAGE_URL: `file:${filesDir}` };
    if (kind === 's3') {
      s3 = await startLocalS3();
      env = s3.env('uploads/');
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      deleteObject = async (key) => void (await client.send(new DeleteObjectCommand({ Bucket: s3!.bucket, Key: `uploads/${key}` })));
    } else {
      deleteObject = async (key) => fs.rmSync(path.join(filesDir, ...key.split('/')));
    }
    s = await startTestServer({}, env);
    owner = await registerUser(s.http);
  });
  afterAll(async () => {
    await s.close();
    await s3?.close();
    fs.rmSync(filesDir, { recursive: true, force: true });
  });

  it('stores an upload in the configured store, serves it back, and answers 404 once the store lost it', async () => {
    expect(s.config.fileStorage.kind).toBe(kind);
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'Look', minimum_amount_cents: 100 }] });
    const batch = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [] } });
    expect(batch.status).toBe(201);
    const bytes = Buffer.from(`picture bytes ${kind} ${Date.now()}`);
    const up = await s.http.post(`/api/batches/${batch.body.id}/files`).set('Authorization', owner.auth).attach('file', bytes, 'pic.png');
    expect(up.status).toBe(201);
    const key = `${owner.id}/${up.body.checksum}`;
    if (kind === 'file') expect(fs.readFileSync(path.join(filesDir, owner.id, up.body.checksum))).toEqual(bytes);
    else expect(fs.readdirSync(s3!.directory, { recursive: true }).join('\n')).toContain(up.body.checksum);

    const down = await s.http
      .get(up.body.url)
      .set('Authorization', owner.auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(down.status).toBe(200);
    expect(down.body).toEqual(bytes);

    await deleteObject(key);
    const gone = await s.http.get(up.body.url).set('Authorization', owner.auth);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(expect.objectContaining({ type: 'RecordNotFound', status: 404 }));
  });
});

describe('FILE_STORAGE_URL and S3 settings', () => {
  it('parses file: and s3:// URLs and names the variable when one is wrong', () => {
    expect(loadConfig({ DATA_DIR: '/srv/og' }).fileStorage).toEqual({ kind: 'file', dir: '/srv/og/files' });
    expect(loadConfig({ FILE_STORAGE_URL: 'file:/mnt/shared' }).fileStorage).toEqual({ kind: 'file', dir: '/mnt/shared' });
    expect(loadConfig({ FILE_STORAGE_URL: 's3://my-bucket/og/files/', S3_ENDPOINT: 'http://127.0.0.1:9000' }).fileStorage).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'og/files/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      accessKeyId: undefined,
      secretAccessKey: undefined,
    });
    expect(() => loadConfig({ FILE_STORAGE_URL: 'ftp://x' })).toThrow(/FILE_STORAGE_URL/);
    expect(() => loadConfig({ FILE_STORAGE_URL: 's3://bkt/p', S3_ACCESS_KEY_ID: 'a' })).toThrow(/S3_SECRET_ACCESS_KEY/);
  });

  it('PUBLIC_URL is required in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PUBLIC_URL must be set when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://og.example.com/' }).publicUrl).toBe('https://og.example.com');
  });
});
