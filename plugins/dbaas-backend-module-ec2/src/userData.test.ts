import { execFileSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { renderUserData } from './userData';

const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpK dbaas-x';

function render() {
  return renderUserData(
    { instanceId: 'abc', publicKey },
    {
      sshUser: 'dbaas',
      registryMirrors: ['http://10.0.0.5:5000'],
      insecureRegistries: ['10.0.0.5:5000'],
    },
  );
}

describe('renderUserData', () => {
  it('is cloud-config with the SSH user, Docker from packages and its daemon settings', () => {
    const text = render();
    expect(text.split('\n')[0]).toBe('#cloud-config');
    const doc = JSON.parse(text.split('\n').slice(2).join('\n'));
    expect(doc.users[1]).toEqual({
      name: 'dbaas',
      groups: ['docker'],
      shell: '/bin/bash',
      lock_passwd: true,
      ssh_authorized_keys: [publicKey],
    });
    expect(doc.packages).toEqual(['docker.io']);
    const daemon = JSON.parse(
      doc.write_files.find(
        (f: { path: string }) => f.path === '/etc/docker/daemon.json',
      ).content,
    );
    expect(daemon['registry-mirrors']).toEqual(['http://10.0.0.5:5000']);
    expect(daemon['insecure-registries']).toEqual(['10.0.0.5:5000']);
    // the Docker API stays on its unix socket: reachable over SSH only
    expect(daemon.hosts).toBeUndefined();
  });

  it('mounts the data volume with a shell script sh accepts', () => {
    const doc = JSON.parse(render().split('\n').slice(2).join('\n'));
    const script = doc.bootcmd[0] as string;
    expect(script).toContain('mkfs.ext4 -q -L dbaas-data');
    expect(script).toContain('/var/lib/docker');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dbaas-userdata-'));
    fs.writeFileSync(path.join(dir, 'mount.sh'), script);
    // syntax check only (-n): the script itself runs in the VM test
    expect(() =>
      execFileSync('sh', ['-n', path.join(dir, 'mount.sh')]),
    ).not.toThrow();
    fs.rmSync(dir, { recursive: true });
  });
});
