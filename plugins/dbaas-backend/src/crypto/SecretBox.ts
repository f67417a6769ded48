import crypto from 'crypto';

/** One key of the ring: its id is stored with every value it seals. */
export interface EncryptionKey {
  id: string;
  secret: string;
}

/** A sealed value that no configured key opens; never a reason to destroy anything. */
export class SecretUnreadableError extends Error {
  constructor(readonly keyId: string | undefined, reason: string) {
    super(
      `SECRET_UNREADABLE: a stored secret cannot be opened (${reason}); configure the key it was sealed with under dbaas.encryption.keys`,
    );
    this.name = 'SecretUnreadableError';
  }
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const B64 = '[A-Za-z0-9+/=]+';
const SEALED = new RegExp(
  `^(v2:[A-Za-z0-9._-]{1,64}|v1):${B64}:${B64}:${B64}$`,
);

/**
 * Seals secrets for storage with AES-256-GCM under a key ring: the first key seals, every
 * key opens, and each sealed value names its key (`v2:<key id>:…`), so keys can rotate.
 * Values of the older `v1:` form (one unnamed key) are opened by trying each key.
 */
export class SecretBox {
  private readonly keys: Array<{ id: string; key: Buffer }>;

  constructor(keys: EncryptionKey[] | string) {
    const ring =
      typeof keys === 'string' ? [{ id: 'default', secret: keys }] : keys;
    if (!ring.length) {
      throw new Error('dbaas.encryption.keys must name at least one key');
    }
    const seen = new Set<string>();
    this.keys = ring.map(({ id, secret }, index) => {
      if (!KEY_ID.test(id)) {
        throw new Error(
          `dbaas.encryption.keys[${index}].id must be 1 to 64 letters, digits, dots, dashes or underscores`,
        );
      }
      if (seen.has(id)) {
        throw new Error(
          `dbaas.encryption.keys[${index}].id: duplicate key id '${id}'`,
        );
      }
      seen.add(id);
      if (secret.length < 16) {
        throw new Error(
          `dbaas.encryption.keys[${index}].secret must be at least 16 characters`,
        );
      }
      return { id, key: crypto.createHash('sha256').update(secret).digest() };
    });
  }

  /** True for a value this class sealed (either form). */
  static isSealed(value: string): boolean {
    return SEALED.test(value);
  }

  /** The id of the key that seals new values. */
  get currentKeyId(): string {
    return this.keys[0].id;
  }

  seal(value: unknown): string {
    const { id, key } = this.keys[0];
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
    ]);
    const tag = cipher.getAuthTag();
    return ['v2', id, ...[iv, tag, data].map(p => p.toString('base64'))].join(
      ':',
    );
  }

  /**
   * A key for one purpose (e.g. an instance's SSH key), the same on every replica and retry;
   * derived from the sealing key, so it changes when a new key is put first.
   */
  derive(purpose: string): Buffer {
    return crypto
      .createHmac('sha256', this.keys[0].key)
      .update(purpose)
      .digest();
  }

  /** The key id a sealed value names (undefined for the older unnamed form). */
  keyIdOf(sealed: string): string | undefined {
    return sealed.startsWith('v2:') ? sealed.split(':')[1] : undefined;
  }

  /** True when the value is not sealed under the current key. */
  needsReseal(sealed: string): boolean {
    return this.keyIdOf(sealed) !== this.currentKeyId;
  }

  open<T>(sealed: string): T {
    const parts = sealed.split(':');
    if (parts[0] === 'v2' && parts.length === 5) {
      const [, id, iv, tag, data] = parts;
      const entry = this.keys.find(k => k.id === id);
      if (!entry) {
        throw new SecretUnreadableError(
          id,
          `sealed with key id '${id}', which is not configured; configured: ${this.keys
            .map(k => k.id)
            .join(', ')}`,
        );
      }
      const plain = decrypt(entry.key, iv, tag, data);
      if (plain === undefined) {
        throw new SecretUnreadableError(
          id,
          `the key with id '${id}' is not the one it was sealed with`,
        );
      }
      return JSON.parse(plain);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      const [, iv, tag, data] = parts;
      for (const { key } of this.keys) {
        const plain = decrypt(key, iv, tag, data);
        if (plain !== undefined) return JSON.parse(plain);
      }
      throw new SecretUnreadableError(
        undefined,
        'sealed with a key that differs from every configured key',
      );
    }
    throw new SecretUnreadableError(undefined, 'unknown format');
  }

  /** The value sealed again under the current key (unchanged when it already is). */
  reseal(sealed: string): string {
    return this.needsReseal(sealed) ? this.seal(this.open(sealed)) : sealed;
  }
}

function decrypt(key: Buffer, iv: string, tag: string, data: string) {
  try {
    const decipher = crypto.createDecipheriv(
      'aes-256-gcm',
      key,
      Buffer.from(iv, 'base64'),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A random password of 32 URL-safe characters. */
export function generatePassword(): string {
  return crypto.randomBytes(24).toString('base64url');
}
