import { promises as fs } from 'fs';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';
import { FilesystemBackupStore } from './FilesystemBackupStore';
import {
  backupStoreContract,
  BackupStoreTarget,
} from '../testUtils/backupStoreContract';

describe('FilesystemBackupStore', () => {
  let dir: string;
  let target: BackupStoreTarget;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dbaas-backups-'));
    target = {
      store: new FilesystemBackupStore({ directory: dir }),
      async tamper(key) {
        const file = await fs.open(path.join(dir, key), 'r+');
        try {
          const byte = Buffer.alloc(1);
          await file.read(byte, 0, 1, 1000);
          byte[0] ^= 0xff;
          await file.write(byte, 0, 1, 1000);
        } finally {
          await file.close();
        }
      },
      async rawNames(key) {
        const names: string[] = [];
        const walk = async (sub: string) => {
          for (const entry of await fs.readdir(path.join(dir, sub), {
            withFileTypes: true,
          })) {
            const name = path.posix.join(sub, entry.name);
            if (entry.isDirectory()) {
              await walk(name);
            } else {
              names.push(name);
            }
          }
        };
        await walk('');
        // the object, its sidecar, and whatever a put left in .incoming
        return names.filter(
          n => n.startsWith(key) || n.startsWith('.incoming/'),
        );
      },
    };
  });

  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  backupStoreContract(() => target);

  it('keeps an object as a plain file with a JSON sidecar holding its checksum', async () => {
    const info = await target.store.put(
      'layout/a.tar',
      Readable.from([Buffer.from('abc')]),
      { metadata: { kind: 'full' } },
    );
    expect(await fs.readFile(path.join(dir, 'layout/a.tar'), 'utf8')).toBe(
      'abc',
    );
    expect(
      JSON.parse(
        await fs.readFile(
          path.join(dir, 'layout/a.tar.dbaas-meta.json'),
          'utf8',
        ),
      ),
    ).toEqual({
      version: 1,
      key: 'layout/a.tar',
      size: 3,
      sha256: info.sha256,
      metadata: { kind: 'full' },
      createdAt: info.createdAt.toISOString(),
    });
  });

  it('does not list or serve data whose sidecar is missing (a put that died before its end)', async () => {
    await fs.mkdir(path.join(dir, 'half'), { recursive: true });
    await fs.writeFile(path.join(dir, 'half/x'), 'orphan');
    expect(await target.store.list('half/')).toEqual([]);
    await expect(target.store.get('half/x')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
