import {
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyVolumeCommand,
} from '@aws-sdk/client-ec2';
import { mockServices } from '@backstage/backend-test-utils';
import { HostRef, StepContext } from '@dbaas/plugin-dbaas-node';
import { mockClient } from 'aws-sdk-client-mock';
import Docker from 'dockerode';
import { createAwsCall } from './awsErrors';
import { GROW_DATA_FILE_SYSTEM } from '@dbaas/plugin-dbaas-node';
import { createStorageResize } from './storageResize';

const instanceId = '5f0c2a4e-8d7b-4a53-9a51-2f8e0c7d1b23';
const ref: HostRef = {
  runtime: 'ec2',
  instanceId,
  address: '10.0.1.23',
  data: { ec2InstanceId: 'i-0abc' },
};
const config = {
  pollIntervalSeconds: 0.01,
  startTimeoutSeconds: 2,
  apiMaxAttempts: 2,
};
const ctx = (): StepContext => ({
  logger: mockServices.logger.mock(),
  signal: new AbortController().signal,
});

/** Docker on the VM: the server's container, and the one-shot grow container's end. */
function fakeDocker(grow: { StatusCode: number; output: string }) {
  const created: any[] = [];
  const removed: string[] = [];
  const docker = {
    getContainer: (name: string) => ({
      inspect: async () => {
        if (name !== `dbaas-${instanceId}`)
          throw Object.assign(new Error('no such container'), {
            statusCode: 404,
          });
        return { Config: { Image: 'dbaas/postgresql:15' } };
      },
      remove: async () => {
        removed.push(name);
      },
    }),
    createContainer: async (options: any) => {
      created.push(options);
      return {
        start: async () => undefined,
        wait: async () => ({ StatusCode: grow.StatusCode }),
        logs: async () => Buffer.from(grow.output),
      };
    },
  };
  return { docker: docker as unknown as Docker, created, removed };
}

describe('EC2 storage resize', () => {
  const ec2 = mockClient(EC2Client);
  beforeEach(() => ec2.reset());

  function resize(docker: Docker) {
    return createStorageResize({
      ec2: new EC2Client({ region: 'eu-west-1' }),
      config,
      call: createAwsCall(config, mockServices.logger.mock()),
      dockerFor: () => docker,
    });
  }
  const volume = (Size: number) =>
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-1', Size, State: 'in-use' }],
    });

  it('modifies the volume, waits until it is optimizing, then grows the file system on the VM', async () => {
    volume(2);
    let looks = 0;
    ec2.on(DescribeVolumesModificationsCommand).callsFake(async () => {
      if (looks++ === 0) {
        throw Object.assign(new Error('none'), {
          name: 'InvalidVolumeModification.NotFound',
        });
      }
      return {
        VolumesModifications: [
          {
            VolumeId: 'vol-1',
            TargetSize: 5,
            ModificationState: looks < 4 ? 'modifying' : 'optimizing',
            StartTime: new Date(),
          },
        ],
      };
    });
    ec2.on(ModifyVolumeCommand).resolves({});
    const { docker, created, removed } = fakeDocker({
      StatusCode: 0,
      output: 'resize2fs 1.47.0\n5368709120',
    });

    await resize(docker)(ref, 'i-0abc', 5, ctx());

    expect(ec2.commandCalls(DescribeVolumesCommand)[0].args[0].input).toEqual({
      Filters: expect.arrayContaining([
        { Name: 'attachment.instance-id', Values: ['i-0abc'] },
        {
          Name: 'tag:dbaas.backstage.io/instance-id',
          Values: [instanceId],
        },
      ]),
    });
    expect(
      ec2.commandCalls(ModifyVolumeCommand).map(c => c.args[0].input),
    ).toEqual([{ VolumeId: 'vol-1', Size: 5 }]);
    expect(looks).toBe(4);
    // the server's image, in the VM's PID namespace, hands the script to the VM's systemd
    expect(created).toEqual([
      expect.objectContaining({
        name: `dbaas-grow-${instanceId}`,
        Image: 'dbaas/postgresql:15',
        User: 'root',
        Entrypoint: ['nsenter'],
        Cmd: [
          '--target=1',
          '--mount',
          '--',
          'systemd-run',
          '--quiet',
          '--wait',
          '--pipe',
          '--collect',
          '--description=DBaaS: grow the data file system',
          'sh',
          '-c',
          GROW_DATA_FILE_SYSTEM,
          'dbaas-grow',
          String(5 * 1024 ** 3),
        ],
        HostConfig: expect.objectContaining({
          PidMode: 'host',
          NetworkMode: 'none',
        }),
      }),
    ]);
    expect(removed).toEqual([
      `dbaas-grow-${instanceId}`,
      `dbaas-grow-${instanceId}`,
    ]);
  });

  it('asks nothing of EC2 for a volume that large already, and grows the file system anyway', async () => {
    volume(5);
    ec2.on(DescribeVolumesModificationsCommand).resolves({
      VolumesModifications: [
        {
          VolumeId: 'vol-1',
          TargetSize: 5,
          ModificationState: 'completed',
          StartTime: new Date(),
        },
      ],
    });
    const { docker, created } = fakeDocker({ StatusCode: 0, output: '1' });
    await resize(docker)(ref, 'i-0abc', 5, ctx());
    await resize(docker)(ref, 'i-0abc', 4, ctx());
    expect(ec2.commandCalls(ModifyVolumeCommand)).toEqual([]);
    expect(created).toHaveLength(2);
  });

  it('waits for a modification to that size already under way instead of asking again', async () => {
    volume(5);
    let looks = 0;
    ec2.on(DescribeVolumesModificationsCommand).callsFake(async () => ({
      VolumesModifications: [
        {
          VolumeId: 'vol-1',
          TargetSize: 5,
          ModificationState: looks++ < 2 ? 'modifying' : 'completed',
          StartTime: new Date(),
        },
      ],
    }));
    const { docker } = fakeDocker({ StatusCode: 0, output: '1' });
    await resize(docker)(ref, 'i-0abc', 5, ctx());
    expect(ec2.commandCalls(ModifyVolumeCommand)).toEqual([]);
    expect(looks).toBe(3);
  });

  it('fails typed when the modification fails, before touching the VM', async () => {
    volume(2);
    ec2.on(ModifyVolumeCommand).resolves({});
    ec2
      .on(DescribeVolumesModificationsCommand)
      .rejectsOnce(
        Object.assign(new Error('none'), {
          name: 'InvalidVolumeModification.NotFound',
        }),
      )
      .resolves({
        VolumesModifications: [
          {
            VolumeId: 'vol-1',
            TargetSize: 5,
            ModificationState: 'failed',
            StatusMessage: 'the volume type does not allow it',
          },
        ],
      });
    const { docker, created } = fakeDocker({ StatusCode: 0, output: '' });
    await expect(resize(docker)(ref, 'i-0abc', 5, ctx())).rejects.toMatchObject(
      {
        name: 'RuntimeFault',
        code: 'HOST_UNAVAILABLE',
        message:
          'EC2 could not grow volume vol-1 to 5 GiB: the volume type does not allow it',
      },
    );
    expect(created).toEqual([]);
  });

  it('fails typed with what the grow printed when it fails on the VM', async () => {
    volume(5);
    ec2.on(DescribeVolumesModificationsCommand).resolves({});
    const { docker } = fakeDocker({
      StatusCode: 1,
      output:
        'Filesystem at /dev/nvme1n1 is mounted on /var/lib/docker; on-line resizing required\nresize2fs: Operation not permitted While checking for on-line resizing support',
    });
    await expect(resize(docker)(ref, 'i-0abc', 5, ctx())).rejects.toMatchObject(
      {
        code: 'HOST_UNAVAILABLE',
        message:
          'Growing the file system of the data volume on 10.0.1.23 failed (exit 1): Filesystem at /dev/nvme1n1 is mounted on /var/lib/docker; on-line resizing required | resize2fs: Operation not permitted While checking for on-line resizing support',
      },
    );
  });

  it('fails typed without a data volume, and maps a refused ModifyVolume to HOST_PERMISSION', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    const { docker } = fakeDocker({ StatusCode: 0, output: '' });
    await expect(resize(docker)(ref, 'i-0abc', 5, ctx())).rejects.toMatchObject(
      {
        code: 'HOST_UNAVAILABLE',
        message: `VM i-0abc has no data volume tagged for instance ${instanceId}`,
      },
    );

    volume(2);
    ec2.on(DescribeVolumesModificationsCommand).resolves({});
    ec2.on(ModifyVolumeCommand).rejects(
      Object.assign(new Error('not authorized to perform ec2:ModifyVolume'), {
        name: 'UnauthorizedOperation',
      }),
    );
    await expect(resize(docker)(ref, 'i-0abc', 5, ctx())).rejects.toMatchObject(
      { code: 'HOST_PERMISSION' },
    );
  });
});
