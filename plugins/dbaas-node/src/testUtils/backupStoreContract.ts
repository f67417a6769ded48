/* eslint-disable jest/no-export */
import { createHash, randomBytes } from 'crypto';
import { Readable } from 'stream';
import { BackupStore } from '../backup/BackupStore';
import {
  BackupChecksumMismatchError,
  BackupObjectNotFoundError,
  BackupStoreError,
  BackupStoreUnreachableError,
} from '../backup/errors';

/** What the contract needs to know about one implementation; made after its server has started. */
export interface BackupStoreTarget {
  store: BackupStore;
  /** Changes the stored bytes of `key` behind the store's back (same length). */
  tamper(key: string): Promise<void>;
  /** Everything the store holds under `key` by its own (raw) names, sidecars and leftovers included. */
  rawNames(key: string): Promise<string[]>;
}

export const MiB = 1024 * 1024;

/**
 * `size` random bytes in chunks of 1 MiB, failing after `failAfter` bytes; `onSent` hears how many
 * bytes have been handed on so far.
 */
export function generated(
  size: number,
  options: { failAfter?: number; onSent?: (sent: number) => void } = {},
): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let sent = 0; sent < size; ) {
      if (options.failAfter !== undefined && sent >= options.failAfter) {
        throw new Error('the source broke');
      }
      const chunk = randomBytes(Math.min(MiB, size - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
      options.onSent?.(sent);
    }
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    sha256: () => hash.digest('hex'),
  };
}

/** Reads a stream to its end, hashing instead of keeping it. */
export async function drain(
  stream: Readable,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

async function text(stream: Readable) {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString();
}

/** The behaviour every {@link BackupStore} must have; `target` is called in each test. */
export function backupStoreContract(target: () => BackupStoreTarget) {
  it('streams a 20 MiB object in and reads it back byte-identical with its checksum', async () => {
    const { store } = target();
    const source = generated(20 * MiB);
    const info = await store.put('big/base.tar', source.stream, {
      metadata: { kind: 'full' },
    });
    const sha256 = source.sha256();
    expect(info).toMatchObject({ key: 'big/base.tar', size: 20 * MiB, sha256 });

    const { info: read, body } = await store.get('big/base.tar');
    expect(read).toMatchObject({ size: 20 * MiB, sha256 });
    expect(await drain(body)).toEqual({ size: 20 * MiB, sha256 });
  });

  it('heads size, checksum and metadata', async () => {
    const { store } = target();
    const put = await store.put(
      'head/one',
      Readable.from([Buffer.from('hi')]),
      {
        metadata: { 'instance-id': 'abc', kind: 'wal' },
      },
    );
    const head = await store.head('head/one');
    expect(head).toEqual({
      key: 'head/one',
      size: 2,
      sha256: createHash('sha256').update('hi').digest('hex'),
      metadata: { 'instance-id': 'abc', kind: 'wal' },
      createdAt: put.createdAt,
    });
  });

  it('stores an empty object', async () => {
    const { store } = target();
    await store.put('empty/zero', Readable.from([]));
    const { info, body } = await store.get('empty/zero');
    expect(info.size).toBe(0);
    expect(await text(body)).toBe('');
  });

  it('fails the read with a checksum error naming the object when the stored bytes were changed', async () => {
    const { store, tamper } = target();
    await store.put('tampered/base.tar', generated(3 * MiB).stream);
    await tamper('tampered/base.tar');

    const { body } = await store.get('tampered/base.tar');
    const error = await drain(body).then(
      () => undefined,
      e => e,
    );
    expect(error).toBeInstanceOf(BackupChecksumMismatchError);
    expect(error).toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      key: 'tampered/base.tar',
    });
    expect(error.message).toContain("'tampered/base.tar'");
  });

  it('leaves no object when the source fails midway, and rejects with its error', async () => {
    const { store, rawNames } = target();
    const source = generated(20 * MiB, { failAfter: 12 * MiB });
    await expect(store.put('broken/base.tar', source.stream)).rejects.toThrow(
      'the source broke',
    );
    await expect(store.head('broken/base.tar')).rejects.toBeInstanceOf(
      BackupObjectNotFoundError,
    );
    await expect(store.get('broken/base.tar')).rejects.toBeInstanceOf(
      BackupObjectNotFoundError,
    );
    expect(await store.list('broken/')).toEqual([]);
    expect(await rawNames('broken/base.tar')).toEqual([]);
  });

  it('leaves no object when the put is aborted through its signal', async () => {
    const { store, rawNames } = target();
    const controller = new AbortController();
    const source = generated(20 * MiB, {
      onSent: sent => sent >= 6 * MiB && controller.abort(),
    });
    await expect(
      store.put('aborted/base.tar', source.stream, {
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    await expect(store.head('aborted/base.tar')).rejects.toBeInstanceOf(
      BackupObjectNotFoundError,
    );
    expect(await rawNames('aborted/base.tar')).toEqual([]);
  });

  it('lists the complete objects under a prefix, sorted by key', async () => {
    const { store } = target();
    for (const key of [
      'list/i1/wal/000000010000000000000002',
      'list/i1/wal/000000010000000000000001',
      'list/i1/base/b1.tar',
      'list/i2/wal/000000010000000000000001',
      'list/i10/base/b1.tar',
    ]) {
      await store.put(key, Readable.from([Buffer.from(key)]));
    }
    const keys = async (prefix: string) =>
      (await store.list(prefix)).map(o => o.key);

    expect(await keys('list/i1/')).toEqual([
      'list/i1/base/b1.tar',
      'list/i1/wal/000000010000000000000001',
      'list/i1/wal/000000010000000000000002',
    ]);
    expect(await keys('list/i1/wal/00000001000000000000000')).toEqual([
      'list/i1/wal/000000010000000000000001',
      'list/i1/wal/000000010000000000000002',
    ]);
    expect(await keys('list/i1')).toHaveLength(4); // a plain string prefix: i1 and i10
    expect(await keys('list/none/')).toEqual([]);
    const [first] = await store.list('list/i2/');
    expect(first).toMatchObject({
      key: 'list/i2/wal/000000010000000000000001',
      size: 'list/i2/wal/000000010000000000000001'.length,
    });
    expect(first.lastModified).toBeInstanceOf(Date);
  });

  it('deletes an object, and deleting a missing one succeeds', async () => {
    const { store, rawNames } = target();
    await store.put('gone/x', Readable.from([Buffer.from('x')]));
    await store.delete('gone/x');
    await expect(store.head('gone/x')).rejects.toBeInstanceOf(
      BackupObjectNotFoundError,
    );
    expect(await store.list('gone/')).toEqual([]);
    expect(await rawNames('gone/x')).toEqual([]);
    await expect(store.delete('gone/x')).resolves.toBeUndefined();
  });

  it('replaces an object put again under the same key', async () => {
    const { store } = target();
    await store.put('again/x', Readable.from([Buffer.from('first')]));
    await store.put('again/x', Readable.from([Buffer.from('second!')]), {
      metadata: { n: '2' },
    });
    const { info, body } = await store.get('again/x');
    expect(info).toMatchObject({ size: 7, metadata: { n: '2' } });
    expect(await text(body)).toBe('second!');
  });

  it('answers NOT_FOUND for a missing object', async () => {
    const { store } = target();
    await expect(store.get('missing/x')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      key: 'missing/x',
      message: "Backup object 'missing/x' does not exist",
    });
    await expect(store.head('missing/x')).rejects.toBeInstanceOf(
      BackupObjectNotFoundError,
    );
  });

  it('refuses keys outside the rules', async () => {
    const { store } = target();
    for (const key of [
      '',
      '/abs',
      'a/../b',
      'a//b',
      '.hidden',
      'a/.incoming/x',
      'x.dbaas-meta.json',
      'sp ace',
    ]) {
      await expect(
        store.put(key, Readable.from([Buffer.from('x')])),
      ).rejects.toMatchObject({ code: 'INVALID' });
    }
    await expect(
      store.put('ok', Readable.from([]), { metadata: { Upper: 'x' } }),
    ).rejects.toMatchObject({ code: 'INVALID' });
    await expect(store.list('../')).rejects.toBeInstanceOf(BackupStoreError);
  });
}

/** What every call of a store that cannot be reached (e.g. a closed port) answers. */
export function unreachableStoreContract(unreachable: () => BackupStore) {
  it('answers UNREACHABLE on every call when the store cannot be reached', async () => {
    const store = unreachable();
    await expect(
      store.put('x/y', Readable.from([Buffer.from('x')])),
    ).rejects.toBeInstanceOf(BackupStoreUnreachableError);
    await expect(store.get('x/y')).rejects.toMatchObject({
      code: 'UNREACHABLE',
      key: 'x/y',
    });
    await expect(store.head('x/y')).rejects.toBeInstanceOf(
      BackupStoreUnreachableError,
    );
    await expect(store.list('x/')).rejects.toBeInstanceOf(
      BackupStoreUnreachableError,
    );
    await expect(store.delete('x/y')).rejects.toBeInstanceOf(
      BackupStoreUnreachableError,
    );
  });
}
