import {
  generatePassword,
  SecretBox,
  SecretUnreadableError,
} from './SecretBox';

const keyA = { id: 'a', secret: 'key A, sixteen chars or more' };
const keyB = { id: 'b', secret: 'key B, sixteen chars or more' };

describe('SecretBox', () => {
  it('seals so that the stored text does not contain the secret, and opens it again', () => {
    const box = new SecretBox([keyA]);
    const password = generatePassword();

    const sealed = box.seal({ password });

    expect(sealed).not.toContain(password);
    expect(sealed.startsWith('v2:a:')).toBe(true);
    expect(box.seal({ password })).not.toEqual(sealed);
    expect(box.open(sealed)).toEqual({ password });
  });

  it('seals with the first key and opens with any key of the ring', () => {
    const old = new SecretBox([keyA]).seal('x');
    const ring = new SecretBox([keyB, keyA]);
    expect(ring.open(old)).toBe('x');
    expect(ring.keyIdOf(ring.seal('y'))).toBe('b');
    expect(ring.needsReseal(old)).toBe(true);
    const resealed = ring.reseal(old);
    expect(ring.keyIdOf(resealed)).toBe('b');
    expect(new SecretBox([keyB]).open(resealed)).toBe('x');
  });

  it('opens values of the older unnamed form with whichever key sealed them', () => {
    // v1: iv:tag:data under the single key, as sealed before key ids existed
    const legacy = new SecretBox([{ id: 'default', secret: keyA.secret }])
      .seal('x')
      .replace(/^v2:default:/, 'v1:');
    expect(new SecretBox([keyB, keyA]).open(legacy)).toBe('x');
  });

  it('names the missing key id when no configured key opens a value', () => {
    const sealed = new SecretBox([keyA]).seal('x');
    expect(() => new SecretBox([keyB]).open(sealed)).toThrow(
      SecretUnreadableError,
    );
    expect(() => new SecretBox([keyB]).open(sealed)).toThrow(
      "SECRET_UNREADABLE: a stored secret cannot be opened (sealed with key id 'a', which is not configured; configured: b)",
    );
    const wrongSecret = new SecretBox([{ id: 'a', secret: keyB.secret }]);
    expect(() => wrongSecret.open(sealed)).toThrow(
      "the key with id 'a' is not the one it was sealed with",
    );
  });

  it('refuses short secrets and duplicate ids, naming the key', () => {
    expect(() => new SecretBox([{ id: 'a', secret: 'short' }])).toThrow(
      'dbaas.encryption.keys[0].secret must be at least 16 characters',
    );
    expect(() => new SecretBox([keyA, keyA])).toThrow(
      "dbaas.encryption.keys[1].id: duplicate key id 'a'",
    );
  });

  it('makes passwords of at least 24 characters', () => {
    expect(generatePassword()).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});
