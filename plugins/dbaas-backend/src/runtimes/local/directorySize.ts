import fs from 'fs/promises';
import path from 'path';

/**
 * Bytes the files under `dir` take on disk (allocated blocks, as `du` counts them, so sparse
 * files count what they use); files that vanish while it counts are left out.
 */
export async function directorySize(dir: string): Promise<number> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let total = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      total += await directorySize(full);
    } else if (entry.isFile()) {
      const stat = await fs.stat(full).catch(() => undefined);
      if (stat) total += stat.blocks * 512;
    }
  }
  return total;
}
