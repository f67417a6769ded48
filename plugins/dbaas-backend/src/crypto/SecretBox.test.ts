import { generatePassword, SecretBox } from './SecretBox';

describe('SecretBox', () => {
  it('seals so that the stored text does not contain the secret, and opens it again', () => {
    const box = new SecretBox('a key of at least sixteen chars');
    const password = generatePassword();

    const sealed = box.seal({ password });

    expect(sealed).not.toContain(password);
    expect(box.seal({ password })).not.toEqual(sealed);
    expect(box.open(sealed)).toEqual({ password });
  });

  it('refuses to open with another key, saying which setting differs', () => {
    const sealed = new SecretBox('a key of at least sixteen chars').seal('x');
    expect(() =>
      new SecretBox('another key, sixteen or more').open(sealed),
    ).toThrow('dbaas.encryption.key differs');
  });

  it('makes passwords of at least 24 characters', () => {
    expect(generatePassword()).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});
