import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { sshKeyPairFromSeed } from './sshKey';

describe('sshKeyPairFromSeed', () => {
  it('gives the same OpenSSH key pair for the same seed, which ssh-keygen reads', () => {
    const seed = Buffer.alloc(32, 3);
    const keys = sshKeyPairFromSeed(seed, 'dbaas-test');
    expect(sshKeyPairFromSeed(seed, 'dbaas-test')).toEqual(keys);
    expect(sshKeyPairFromSeed(Buffer.alloc(32, 4), 'dbaas-test').publicKey).not.toBe(
      keys.publicKey,
    );
    expect(keys.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gce-ssh-key-'));
    try {
      const file = path.join(dir, 'key');
      fs.writeFileSync(file, keys.privateKey, { mode: 0o600 });
      // ssh-keygen derives the public key from the private one: it matches ours
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], {
        encoding: 'utf8',
      }).trim();
      expect(`${derived.split(' ').slice(0, 2).join(' ')} dbaas-test`).toBe(
        keys.publicKey,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
