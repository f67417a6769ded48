import crypto from 'crypto';
import Docker from 'dockerode';
import { SecretSealer } from '../extensions';
import { HostRef } from '../runtime';

/** SHA-256 of an SSH host key blob, as `ssh-keygen -l` prints it (without `SHA256:`). */
export function hostKeyFingerprint(key: Buffer): string {
  return crypto
    .createHash('sha256')
    .update(key)
    .digest('base64')
    .replace(/=+$/, '');
}

/**
 * Docker on an EC2 VM, reached over SSH with the host's own key (`docker system
 * dial-stdio` on the VM): the Docker API is never exposed on the network.
 * The VM's SSH host key is pinned once recorded (`data.sshHostKeySha256`); until then
 * the first key seen is trusted and handed to `onHostKey`, to be recorded.
 */
export function dockerOverSsh(
  host: HostRef,
  secrets: SecretSealer,
  onHostKey?: (fingerprint: string) => void,
): Docker {
  const pinned = host.data.sshHostKeySha256 as string | undefined;
  return new Docker({
    protocol: 'ssh',
    host: host.address,
    port: 22,
    username: String(host.data.sshUser),
    sshOptions: {
      privateKey: secrets.open<string>(String(host.data.sshPrivateKey)),
      readyTimeout: 15_000,
      hostVerifier: (key: Buffer) => {
        const fingerprint = hostKeyFingerprint(key);
        if (pinned) return fingerprint === pinned;
        onHostKey?.(fingerprint);
        return true;
      },
    },
  } as Docker.DockerOptions);
}
