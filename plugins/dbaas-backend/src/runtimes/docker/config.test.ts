import { ConfigReader } from '@backstage/config';
import crypto from 'crypto';
import { hostKeyFingerprint } from '@dbaas/plugin-dbaas-node';
import { DockerHostConfig, readDockerRuntimeConfig } from './config';

const read = (...hosts: object[]) =>
  readDockerRuntimeConfig(new ConfigReader({ hosts }));

/** An Ed25519 host key as SSH sends it: string "ssh-ed25519", string <32-byte key>. */
function sshHostKey(): Buffer {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  return Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
}

const verifier = (host: DockerHostConfig) =>
  (host.connection as { sshOptions: { hostVerifier(k: Buffer): boolean } })
    .sshOptions.hostVerifier;

describe('dbaas.runtimes.docker config', () => {
  it('refuses ssh:// without a pinned host key, naming the key', () => {
    expect(() =>
      read(
        { name: 'local', url: 'unix:///var/run/docker.sock' },
        { name: 'remote', url: 'ssh://dbaas@10.0.0.7' },
      ),
    ).toThrow(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts[1].ssh.hostKey': required for ssh:// hosts",
    );
    expect(() =>
      read({
        name: 'remote',
        url: 'ssh://dbaas@10.0.0.7',
        ssh: { hostKey: 'not a key' },
      }),
    ).toThrow(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts[0].ssh.hostKey': 'not a key…' is neither",
    );
  });

  it('refuses plain tcp:// without tls, naming the key', () => {
    expect(() => read({ name: 'remote', url: 'tcp://10.0.0.8:2375' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts[0].tls': required for tcp:// hosts",
    );
    expect(() => read({ name: 'remote', url: 'http://10.0.0.8:2375' })).toThrow(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts[0].tls': required for http:// hosts",
    );
  });

  it('pins the host key given as a SHA256 fingerprint or a known_hosts line', () => {
    const key = sshHostKey();
    const other = sshHostKey();
    const fingerprint = `SHA256:${hostKeyFingerprint(key)}`;
    const knownHosts = `10.0.0.7 ssh-ed25519 ${key.toString('base64')}`;
    for (const hostKey of [fingerprint, knownHosts]) {
      const [host] = read({
        name: 'remote',
        url: 'ssh://dbaas@10.0.0.7:2222',
        ssh: { hostKey },
      }).hosts;
      expect(host.connection).toMatchObject({
        protocol: 'ssh',
        host: '10.0.0.7',
        port: 2222,
        username: 'dbaas',
      });
      expect(verifier(host)(key)).toBe(true);
      expect(verifier(host)(other)).toBe(false);
    }
  });

  it('binds published ports to publishAddress (or bindAddress), never to every interface', () => {
    expect(
      read({ name: 'local', url: 'unix:///var/run/docker.sock' }).hosts[0],
    ).toMatchObject({ publishAddress: '127.0.0.1', bindAddress: '127.0.0.1' });
    expect(
      read({
        name: 'remote',
        url: 'https://10.0.0.9:2376',
        publishAddress: '10.1.0.9',
      }).hosts[0],
    ).toMatchObject({ publishAddress: '10.1.0.9', bindAddress: '10.1.0.9' });
    expect(() =>
      read({
        name: 'local',
        url: 'unix:///var/run/docker.sock',
        publishAddress: 'db.example.net',
      }),
    ).toThrow(
      "Invalid app-config at 'dbaas.runtimes.docker.hosts[0].bindAddress': published ports bind to an IP address",
    );
    expect(
      read({
        name: 'local',
        url: 'unix:///var/run/docker.sock',
        publishAddress: 'db.example.net',
        bindAddress: '10.1.0.10',
      }).hosts[0],
    ).toMatchObject({
      publishAddress: 'db.example.net',
      bindAddress: '10.1.0.10',
    });
  });
});
