import Docker from 'dockerode';
import { Readable } from 'stream';

/**
 * Puts a tar into the container at `target` through the archive API; when `archive` fails
 * (`failed` rejects), the upload is aborted and that failure is the one thrown.
 */
export async function putTar(
  container: { putArchive: Docker.Container['putArchive'] },
  archive: Readable,
  target: string,
  failed: Promise<unknown>,
): Promise<void> {
  const abort = new AbortController();
  let failure: unknown;
  failed.catch(error => {
    failure = error;
    abort.abort();
  });
  archive.on('error', error => {
    failure ??= error;
    abort.abort();
  });
  try {
    await container.putArchive(archive, {
      path: target,
      abortSignal: abort.signal,
    });
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
}
