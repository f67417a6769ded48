import {
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { promises as fs } from 'fs';
import { IncomingMessage } from 'http';
import net from 'net';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';
import S3rver from 's3rver';
import { BackupStorePermissionError } from '@dbaas/plugin-dbaas-node';
import {
  backupStoreContract,
  BackupStoreTarget,
  generated,
  MiB,
  unreachableStoreContract,
} from '@dbaas/plugin-dbaas-node/testUtils';
import { S3BackupStore, S3BackupStoreOptions } from './S3BackupStore';

// starts a Manager (or streams 20 MiB): more than Jest's 5 s on a busy 2-core machine
jest.setTimeout(60_000);

const BUCKET = 'dbaas-backups';
const PREFIX = 'test/';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A port nothing listens on: bound once by us, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

describe('S3BackupStore against s3rver', () => {
  let dir: string;
  let server: S3rver | undefined;
  let endpoint: string;
  let raw: S3Client;
  const stores: S3BackupStore[] = [];
  /** Every request the server saw, as `METHOD /bucket/key?query`. */
  const requests: string[] = [];
  let target: BackupStoreTarget;

  const makeStore = (options: Partial<S3BackupStoreOptions> = {}) => {
    const store = new S3BackupStore({
      endpoint,
      region: 'us-east-1',
      bucket: BUCKET,
      prefix: 'test',
      forcePathStyle: true,
      credentials: CREDENTIALS,
      partSizeBytes: 5 * MiB,
      ...options,
    });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dbaas-s3rver-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    const { port } = await server.run();
    (server as any).httpServer.on('request', (req: IncomingMessage) =>
      requests.push(`${req.method} ${req.url}`),
    );
    endpoint = `http://127.0.0.1:${port}`;
    raw = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    target = {
      store: makeStore(),
      async tamper(key) {
        // the same number of bytes, other content, written around the store
        const { Contents } = await raw.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX + key }),
        );
        const size = Contents!.find(o => o.Key === PREFIX + key)!.Size!;
        await raw.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: PREFIX + key,
            Body: Buffer.alloc(size, 7),
          }),
        );
      },
      async rawNames(key) {
        const { Contents } = await raw.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: PREFIX + key }),
        );
        return (Contents ?? []).map(o => o.Key!);
      },
    };
  }, 20_000);

  afterAll(async () => {
    stores.forEach(store => store.destroy());
    raw?.destroy();
    await server?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  backupStoreContract(() => target);

  it('uploads a large object in parts of partSizeBytes (multipart), not in one request', async () => {
    requests.length = 0;
    await target.store.put('parts/base.tar', generated(12 * MiB).stream);
    const parts = requests.filter(
      r =>
        r.startsWith('PUT /dbaas-backups/test/parts/base.tar?') &&
        r.includes('partNumber='),
    );
    expect(parts).toHaveLength(3); // 5 + 5 + 2 MiB
    expect(requests).toContainEqual(
      expect.stringMatching(
        /^POST \/dbaas-backups\/test\/parts\/base\.tar\?uploads/,
      ),
    );
  });

  it('aborts the multipart upload of a put whose source fails', async () => {
    requests.length = 0;
    await expect(
      target.store.put(
        'abort/base.tar',
        generated(20 * MiB, { failAfter: 11 * MiB }).stream,
      ),
    ).rejects.toThrow('the source broke');
    // s3rver answers 405 to AbortMultipartUpload; the store sends it all the same
    expect(requests).toContainEqual(
      expect.stringMatching(
        /^DELETE \/dbaas-backups\/test\/abort\/base\.tar\?uploadId=/,
      ),
    );
  });

  it('keeps the object at PREFIX/key and its checksum in PREFIX/key.dbaas-meta.json', async () => {
    const info = await target.store.put(
      'layout/a.tar',
      Readable.from([Buffer.from('abc')]),
    );
    expect(await target.rawNames('layout/')).toEqual([
      'test/layout/a.tar',
      'test/layout/a.tar.dbaas-meta.json',
    ]);
    expect(info.sha256).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('does not list or serve data whose sidecar is missing (a put that died before its end)', async () => {
    await raw.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'test/half/x',
        Body: 'orphan',
      }),
    );
    expect(await target.store.list('half/')).toEqual([]);
    await expect(target.store.get('half/x')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('answers PERMISSION for credentials the server does not accept', async () => {
    const store = makeStore({
      credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong' },
    });
    await expect(store.head('x')).rejects.toBeInstanceOf(
      BackupStorePermissionError,
    );
    await expect(
      store.put('x', Readable.from([Buffer.from('x')])),
    ).rejects.toMatchObject({ code: 'PERMISSION' });
  });

  it('answers FAILED naming the bucket when it does not exist', async () => {
    const store = makeStore({ bucket: 'no-such-bucket' });
    await expect(store.list('')).rejects.toMatchObject({
      code: 'FAILED',
      message: expect.stringContaining(
        "bucket 'no-such-bucket' does not exist",
      ),
    });
  });

  describe('with nothing listening on its port', () => {
    let port: number;
    beforeAll(async () => {
      port = await closedPort();
    });
    unreachableStoreContract(() =>
      makeStore({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 }),
    );
  });
});
