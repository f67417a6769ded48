import crypto from 'crypto';
import fs from 'fs';
import path from 'path';

/**
 * This replica's name in leases, kept in `<dir>/replica-id` so that a restarted backend finds
 * its own leases and resumes at once instead of waiting for them to expire. A second backend
 * started from the same directory while the first runs must not share the name (both would
 * think they hold the same leases): `replica.lock` names the live process, and a second one
 * gets a fresh name of its own.
 */
export function replicaIdentity(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const idFile = path.join(dir, 'replica-id');
  const lockFile = path.join(dir, 'replica.lock');
  if (!takeLock(lockFile)) return `replica-${crypto.randomUUID()}`;
  try {
    const stored = fs.readFileSync(idFile, 'utf8').trim();
    if (stored) return stored;
  } catch {
    // first start: make one
  }
  const id = `replica-${crypto.randomUUID()}`;
  fs.writeFileSync(idFile, `${id}\n`);
  return id;
}

function takeLock(lockFile: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      process.once('exit', () => fs.rmSync(lockFile, { force: true }));
      return true;
    } catch {
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim());
      // another backend in this process (tests start several) or a live one elsewhere
      if (holder === process.pid || (holder && isAlive(holder))) return false;
      // left by a process that is gone (a crash, a SIGKILL): take it over
      fs.rmSync(lockFile, { force: true });
    }
  }
  return false;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
