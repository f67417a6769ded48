import fs from 'fs';
import os from 'os';
import path from 'path';
import { createLocalRuntime } from '.';
import { blockingFolder, ServerUser } from './dataDirAccess';

describe('local runtime data directory access', () => {
  let top: string;
  // a user that owns nothing here and belongs to no group of these folders
  const stranger: ServerUser = { name: 'stranger', uid: 54321, gids: [54321] };

  beforeEach(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-reach-'));
    fs.chmodSync(top, 0o711);
  });
  afterEach(() => fs.rmSync(top, { recursive: true, force: true }));

  it('names the first folder above the data directory that the user cannot enter', () => {
    const privateHome = path.join(top, 'home');
    fs.mkdirSync(path.join(privateHome, 'app'), { recursive: true });
    fs.chmodSync(privateHome, 0o700);
    expect(
      blockingFolder(path.join(privateHome, 'app', 'data'), stranger),
    ).toEqual({
      path: fs.realpathSync(privateHome),
      mode: 0o700,
      owner: fs.statSync(privateHome).uid,
    });
    // the owner, or a member of the folder's group with g+x, gets through
    const { uid, gid } = fs.statSync(privateHome);
    expect(
      blockingFolder(path.join(privateHome, 'app', 'data'), {
        name: 'owner',
        uid,
        gids: [gid],
      }),
    ).toBeUndefined();
    fs.chmodSync(privateHome, 0o710);
    expect(
      blockingFolder(path.join(privateHome, 'data'), {
        ...stranger,
        gids: [gid],
      }),
    ).toBeUndefined();
  });

  it('passes a data directory that is private itself, or not made yet, below searchable folders', () => {
    const dataDir = path.join(top, 'data');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    fs.chmodSync(dataDir, 0o700); // the runtime opens it to 0711 when it provisions
    expect(blockingFolder(dataDir, stranger)).toBeUndefined();
    expect(
      blockingFolder(path.join(top, 'not', 'made', 'yet'), stranger),
    ).toBeUndefined();
  });

  it('follows a symbolic link to the folders it leads through', () => {
    const hidden = path.join(top, 'hidden');
    fs.mkdirSync(path.join(hidden, 'real'), { recursive: true });
    fs.chmodSync(hidden, 0o700);
    fs.symlinkSync(path.join(hidden, 'real'), path.join(top, 'link'));
    expect(blockingFolder(path.join(top, 'link', 'data'), stranger)?.path).toBe(
      fs.realpathSync(hidden),
    );
  });

  it('refuses to start the runtime with a data directory under a 0700 folder, naming the path, the user and what to do', () => {
    const privateHome = path.join(top, 'root-home');
    fs.mkdirSync(privateHome, { mode: 0o700 });
    fs.chmodSync(privateHome, 0o700);
    const dataDir = path.join(privateHome, 'x');
    const start = () => {
      try {
        createLocalRuntime({ dataDir, host: '127.0.0.1' });
        return 'started';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const real = fs.realpathSync(privateHome);
    expect(start()).toBe(
      os.userInfo().uid === 0
        ? `dbaas.runtimes.local.dataDir '${dataDir}' is not reachable by the database servers' user 'postgres': '${real}' (mode 0700, owner uid 0) does not let it through. Set dbaas.runtimes.local.dataDir to a folder outside private homes and temporary folders (e.g. /var/lib/dbaas), or let other users pass through that folder (chmod o+x '${real}')`
        : // the servers run as the backend's own user, who owns the folder
          'started',
    );
    // the same folder opened to others is fine
    fs.chmodSync(privateHome, 0o711);
    expect(start()).toBe('started');
  });
});
