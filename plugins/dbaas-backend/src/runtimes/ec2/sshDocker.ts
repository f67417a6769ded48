import Docker from 'dockerode';
import { SecretBox } from '../../crypto/SecretBox';
import { HostRef } from '../types';

/**
 * Docker on an EC2 VM, reached over SSH with the host's own key (`docker system
 * dial-stdio` on the VM): the Docker API is never exposed on the network.
 */
export function dockerOverSsh(host: HostRef, secretBox: SecretBox): Docker {
  return new Docker({
    protocol: 'ssh',
    host: host.address,
    port: 22,
    username: String(host.data.sshUser),
    sshOptions: {
      privateKey: secretBox.open<string>(String(host.data.sshPrivateKey)),
      readyTimeout: 15_000,
    },
  } as Docker.DockerOptions);
}
