import crypto from 'crypto';

/**
 * Seals secrets for storage with AES-256-GCM. The key comes from config
 * (`dbaas.encryption.key`); any string works, it is stretched with SHA-256.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: string) {
    if (key.length < 16) {
      throw new Error('dbaas.encryption.key must be at least 16 characters');
    }
    this.key = crypto.createHash('sha256').update(key).digest();
  }

  seal(value: unknown): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
    ]);
    const tag = cipher.getAuthTag();
    return ['v1', iv, tag, data]
      .map(p => (typeof p === 'string' ? p : p.toString('base64')))
      .join(':');
  }

  /** A key for one purpose (e.g. an instance's SSH key), the same on every replica and retry. */
  derive(purpose: string): Buffer {
    return crypto.createHmac('sha256', this.key).update(purpose).digest();
  }

  open<T>(sealed: string): T {
    const [version, iv, tag, data] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || !data) {
      throw new Error('Sealed secret has an unknown format');
    }
    const decipher = crypto.createDecipheriv(
      'aes-256-gcm',
      this.key,
      Buffer.from(iv, 'base64'),
    );
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      const plain = Buffer.concat([
        decipher.update(Buffer.from(data, 'base64')),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8'));
    } catch {
      throw new Error(
        'Cannot open a sealed secret: dbaas.encryption.key differs from the key it was sealed with',
      );
    }
  }
}

/** A random password of 32 URL-safe characters. */
export function generatePassword(): string {
  return crypto.randomBytes(24).toString('base64url');
}
