import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

/** A system user a database server runs as; no uid: not made yet (it gets its own group). */
export interface ServerUser {
  name: string;
  uid?: number;
  gids: number[];
}

/** The user as the system knows it, or one not made yet. */
export function lookupServerUser(name: string): ServerUser {
  const id = (flag: string) =>
    execFileSync('id', [flag, name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    return {
      name,
      uid: Number(id('-u')),
      gids: id('-G').split(/\s+/).map(Number),
    };
  } catch {
    return { name, gids: [] };
  }
}

/** A folder on the way to the data directory that the user may not pass through. */
export interface BlockingFolder {
  path: string;
  mode: number;
  owner: number;
}

/**
 * The first folder above `dataDir` that `user` cannot enter (no search permission), if any.
 * The data directory itself and folders not made yet do not count: the runtime makes them
 * (or opens them) with mode 0711.
 */
export function blockingFolder(
  dataDir: string,
  user: ServerUser,
): BlockingFolder | undefined {
  for (const folder of foldersAbove(dataDir)) {
    const stat = fs.statSync(folder);
    let bits = 0o001;
    if (stat.uid === user.uid) bits = 0o100;
    else if (user.gids.includes(stat.gid)) bits = 0o010;
    if (!(stat.mode & bits)) {
      return { path: folder, mode: stat.mode & 0o7777, owner: stat.uid };
    }
  }
  return undefined;
}

/** The existing folders from / down to the parent of `dir`, symbolic links resolved. */
function foldersAbove(dir: string): string[] {
  let existing = path.dirname(path.resolve(dir));
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const folders: string[] = [];
  for (let f = fs.realpathSync(existing); ; f = path.dirname(f)) {
    folders.unshift(f);
    if (f === path.dirname(f)) return folders;
  }
}

/**
 * When the backend runs as root, the servers run as their own system users (postgres,
 * mysql): a data directory they cannot reach (e.g. under root's 0700 home) would fail every
 * create. Throws the start-up error that names the folder and what to do.
 */
export function assertDataDirReachable(dataDir: string, userNames: string[]) {
  if (os.userInfo().uid !== 0) return; // the servers run as the backend's own user
  for (const name of userNames) {
    const blocked = blockingFolder(dataDir, lookupServerUser(name));
    if (!blocked) continue;
    const mode = blocked.mode.toString(8).padStart(4, '0');
    throw new Error(
      `dbaas.runtimes.local.dataDir '${dataDir}' is not reachable by the database servers' user '${name}': ` +
        `'${blocked.path}' (mode ${mode}, owner uid ${blocked.owner}) does not let it through. ` +
        `Set dbaas.runtimes.local.dataDir to a folder outside private homes and temporary folders (e.g. /var/lib/dbaas), ` +
        `or let other users pass through that folder (chmod o+x '${blocked.path}')`,
    );
  }
}
