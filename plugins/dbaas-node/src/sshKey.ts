import crypto from 'crypto';

export interface SshKeyPair {
  /** OpenSSH private key (openssh-key-v1, unencrypted), as ssh2 and ssh read it. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment`, for authorized_keys and ImportKeyPair. */
  publicKey: string;
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows it
const ED25519_PKCS8_PREFIX = Buffer.from(
  '302e020100300506032b657004220420',
  'hex',
);

/**
 * The Ed25519 key pair for a 32-byte seed. A seed derived from the Manager's key and
 * the instance id gives the same key on every retry, so a launch repeated after a crash
 * imports the same public key and the VM it made stays reachable.
 */
export function sshKeyPairFromSeed(seed: Buffer, comment: string): SshKeyPair {
  if (seed.length !== 32) throw new Error('An Ed25519 seed is 32 bytes');
  const privateKey = crypto.createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const jwk = crypto.createPublicKey(privateKey).export({ format: 'jwk' });
  const publicRaw = Buffer.from(jwk.x!, 'base64url');
  const publicBlob = Buffer.concat([
    sshString('ssh-ed25519'),
    sshString(publicRaw),
  ]);
  return {
    privateKey: opensshPrivateKey(seed, publicRaw, publicBlob, comment),
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

function opensshPrivateKey(
  seed: Buffer,
  publicRaw: Buffer,
  publicBlob: Buffer,
  comment: string,
): string {
  // the check integer only has to match itself; derived so the file is deterministic
  const check = crypto
    .createHash('sha256')
    .update(seed)
    .digest()
    .subarray(0, 4);
  let section = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(publicRaw),
    sshString(Buffer.concat([seed, publicRaw])),
    sshString(comment),
  ]);
  const padding = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([
    section,
    Buffer.from(Array.from({ length: padding }, (_, i) => i + 1)),
  ]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(section),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g)!;
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join(
    '\n',
  )}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function uint32(value: number) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

function sshString(value: string | Buffer) {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(data.length), data]);
}
