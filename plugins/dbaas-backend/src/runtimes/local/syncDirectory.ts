import fs from 'fs/promises';
import path from 'path';

const PARALLEL = 16;

/**
 * Flushes every file and folder under `dir` to disk (what `initdb --sync-only` does), so
 * work done without syncing (`initdb --no-sync`) is durable once this resolves. Files that
 * vanish meanwhile are skipped: a server may be starting in the folder.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const entries = await listTree(dir);
  const paths = entries
    .filter(entry => entry.isFile() || entry.isDirectory())
    .map(entry => path.join(entry.parentPath, entry.name));
  // a file's name is durable once its folder is synced too
  paths.push(dir);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      await syncPath(paths[next++]);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

/** Every entry under `dir`; read again when a folder vanished during the walk. */
async function listTree(dir: string, attempts = 3) {
  try {
    return await fs.readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempts <= 1) {
      throw error;
    }
    return listTree(dir, attempts - 1);
  }
}

async function syncPath(file: string) {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
