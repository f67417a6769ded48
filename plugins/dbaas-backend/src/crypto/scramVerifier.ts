import crypto from 'crypto';

/** `SCRAM-SHA-256$4096:salt$StoredKey:ServerKey`, as PostgreSQL stores a password (RFC 5802). */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = crypto.randomBytes(16);
  const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (key: Buffer, text: string) =>
    crypto.createHmac('sha256', key).update(text).digest();
  const storedKey = crypto
    .createHash('sha256')
    .update(hmac(salted, 'Client Key'))
    .digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString(
    'base64',
  )}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
