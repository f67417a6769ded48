import { PassThrough, Readable } from 'stream';
import { finished } from 'stream/promises';
import { BaseBackup, BaseBackupResult } from '../runtime';

/**
 * A BaseBackup whose bytes `produce` pipes in from its sources (`pipeFrom` resolves once one
 * has ended): the stream ends only when `produce` resolves with the backup's result, and errors
 * (destroying the sources) when it rejects, when the backup is cancelled through `signal`, or
 * when the reader closes the stream early. A partial backup is never a stream that ended.
 */
export function guardedBackup(
  signal: AbortSignal,
  produce: (
    pipeFrom: (source: Readable) => Promise<void>,
  ) => Promise<BaseBackupResult>,
): BaseBackup {
  const stream = new PassThrough();
  const sources: Readable[] = [];
  let complete = false;
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    stream.destroy(error);
    for (const source of sources) source.destroy();
  };
  stream.on('close', () => {
    if (!complete)
      fail(new Error('the backup stream was closed before its end'));
  });
  const onAbort = () => fail(new Error('the backup was cancelled'));
  signal.addEventListener('abort', onAbort, { once: true });
  const pipeFrom = async (source: Readable) => {
    sources.push(source);
    source.on('error', error => fail(error));
    if (stream.destroyed) source.destroy();
    source.pipe(stream, { end: false });
    await finished(source);
  };
  const result = (async (): Promise<BaseBackupResult> => {
    try {
      if (signal.aborted) onAbort();
      const backup = await produce(pipeFrom);
      signal.throwIfAborted();
      complete = true;
      stream.end();
      await finished(stream);
      return backup;
    } catch (error) {
      complete = false;
      fail(error as Error);
      // the first failure: a cancel's, not the sources' premature end it caused
      throw failure ?? error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  })();
  result.catch(() => {}); // the stream carries the same error
  return { stream, result };
}

/** The last three lines of a command's output, for a fault. */
export function lastLines(text: string) {
  return text.trim().split('\n').slice(-3).join(' | ');
}
