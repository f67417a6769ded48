import {
  DeleteKeyPairCommand,
  DeleteVolumeCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ImportKeyPairCommand,
  Instance,
  ModifyInstanceAttributeCommand,
  ModifyVolumeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  Tag,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';

type VolumeModification = {
  ModificationState: 'modifying' | 'optimizing' | 'completed' | 'failed';
  OriginalSize: number;
  TargetSize: number;
  StartTime: Date;
  /** DescribeVolumesModifications answers before the state moves on to optimizing */
  looks: number;
};
import { StandInVm, startStandInVm } from '@dbaas/plugin-dbaas-node/testUtils';

interface FakeInstance {
  id: string;
  clientToken: string;
  tags: Tag[];
  state: 'running' | 'stopped' | 'terminated';
  /** As launched, then as ModifyInstanceAttribute set it. */
  instanceType: string;
  vm: StandInVm;
}

/**
 * The EC2 control plane for tests, in memory, with stand-in VMs behind it: RunInstances
 * boots a container from the generated user-data (as EC2 would hand it to cloud-init),
 * the imported public key goes into its meta-data (as IMDS would), StopInstances and
 * StartInstances stop and boot its container (disks kept; the address read anew),
 * ModifyInstanceAttribute records a stopped VM's new instance type, ModifyVolume grows its data disk (the loop device behind it), and TerminateInstances
 * destroys it. Every EC2Client made while it is installed talks to it.
 */
export function installStandInEc2() {
  const ec2 = mockClient(EC2Client);
  const keyPairs = new Map<string, string>();
  const instances: FakeInstance[] = [];
  const volumes = new Map<
    string,
    {
      tags: Tag[];
      instanceId?: string;
      deleteOnTermination: boolean;
      encrypted: boolean;
      sizeGiB: number;
      device: string;
      modifications: VolumeModification[];
    }
  >();
  const calls: string[] = [];
  let next = 1;

  const notFound = (name: string) =>
    Object.assign(new Error(`${name} (stand-in)`), { name });
  const toInstance = (i: FakeInstance): Instance => ({
    InstanceId: i.id,
    State: { Name: i.state },
    InstanceType: i.instanceType as Instance['InstanceType'],
    PrivateIpAddress: i.vm.address,
    Tags: i.tags,
  });
  const matches = (
    resource: { tags: Tag[]; state?: string; clientToken?: string },
    filters: { Name?: string; Values?: string[] }[],
  ) =>
    filters.every(f => {
      if (f.Name === 'instance-state-name')
        return f.Values!.includes(resource.state!);
      if (f.Name === 'client-token')
        return f.Values!.includes(resource.clientToken!);
      const key = f.Name!.replace(/^tag:/, '');
      return resource.tags.some(
        t => t.Key === key && f.Values!.includes(t.Value!),
      );
    });

  ec2.on(ImportKeyPairCommand).callsFake(async input => {
    calls.push('ImportKeyPair');
    if (keyPairs.has(input.KeyName)) throw notFound('InvalidKeyPair.Duplicate');
    keyPairs.set(
      input.KeyName,
      Buffer.from(input.PublicKeyMaterial).toString(),
    );
    return { KeyName: input.KeyName };
  });
  ec2.on(DescribeKeyPairsCommand).callsFake(async input => {
    const found = (input.KeyNames as string[]).filter(k => keyPairs.has(k));
    if (!found.length) throw notFound('InvalidKeyPair.NotFound');
    return { KeyPairs: found.map(KeyName => ({ KeyName })) };
  });
  ec2.on(DeleteKeyPairCommand).callsFake(async input => {
    calls.push('DeleteKeyPair');
    keyPairs.delete(input.KeyName);
    return {};
  });
  ec2.on(RunInstancesCommand).callsFake(async input => {
    calls.push('RunInstances');
    const same = instances.find(i => i.clientToken === input.ClientToken);
    if (same) return { Instances: [toInstance(same)] };
    const id = `i-standin${String(next++).padStart(4, '0')}`;
    const vm = await startStandInVm({
      name: `ec2-standin-${id}`,
      userData: Buffer.from(input.UserData, 'base64').toString(),
      metaData: {
        instanceId: id,
        hostname: id,
        publicKeys: [keyPairs.get(input.KeyName)!],
      },
      dataDiskGiB: input.BlockDeviceMappings[0].Ebs.VolumeSize,
    });
    const instance: FakeInstance = {
      id,
      clientToken: input.ClientToken,
      tags: input.TagSpecifications.find(
        (t: { ResourceType: string }) => t.ResourceType === 'instance',
      ).Tags,
      state: 'running',
      instanceType: input.InstanceType,
      vm,
    };
    instances.push(instance);
    const ebs = input.BlockDeviceMappings[0].Ebs;
    volumes.set(`vol-${id}`, {
      tags: input.TagSpecifications.find(
        (t: { ResourceType: string }) => t.ResourceType === 'volume',
      ).Tags,
      instanceId: id,
      deleteOnTermination: ebs.DeleteOnTermination === true,
      encrypted: ebs.Encrypted === true,
      sizeGiB: ebs.VolumeSize,
      device: input.BlockDeviceMappings[0].DeviceName,
      modifications: [],
    });
    return { Instances: [toInstance(instance)] };
  });
  ec2.on(DescribeInstancesCommand).callsFake(async input => {
    const found = input.InstanceIds
      ? instances.filter(i => input.InstanceIds.includes(i.id))
      : instances.filter(i => matches(i, input.Filters ?? []));
    if (input.InstanceIds && !found.length) {
      throw notFound('InvalidInstanceID.NotFound');
    }
    return { Reservations: [{ Instances: found.map(toInstance) }] };
  });
  ec2.on(DescribeInstanceStatusCommand).callsFake(async input => ({
    InstanceStatuses: instances
      .filter(i => input.InstanceIds.includes(i.id) && i.state === 'running')
      .map(i => ({
        InstanceId: i.id,
        InstanceStatus: { Status: 'ok' },
        SystemStatus: { Status: 'ok' },
      })),
  }));
  const inState = (ids: string[], operation: string) => {
    const found = instances.filter(i => ids.includes(i.id));
    if (found.length !== ids.length)
      throw notFound('InvalidInstanceID.NotFound');
    if (found.some(i => i.state === 'terminated')) {
      throw notFound('IncorrectInstanceState');
    }
    calls.push(operation);
    return found;
  };
  const stateChange = (i: FakeInstance, previous: string) => ({
    InstanceId: i.id,
    PreviousState: { Name: previous },
    CurrentState: { Name: i.state },
  });
  ec2.on(StopInstancesCommand).callsFake(async input => {
    const changes = [];
    for (const i of inState(input.InstanceIds, 'StopInstances')) {
      const previous = i.state;
      await i.vm.stop();
      i.state = 'stopped';
      changes.push(stateChange(i, previous));
    }
    return { StoppingInstances: changes };
  });
  ec2.on(StartInstancesCommand).callsFake(async input => {
    const changes = [];
    for (const i of inState(input.InstanceIds, 'StartInstances')) {
      const previous = i.state;
      await i.vm.start();
      i.state = 'running';
      changes.push(stateChange(i, previous));
    }
    return { StartingInstances: changes };
  });
  /** As EC2: the instance type of a stopped VM only (the stand-in VM is not resized). */
  ec2.on(ModifyInstanceAttributeCommand).callsFake(async input => {
    const [i] = inState([input.InstanceId], 'ModifyInstanceAttribute');
    if (!input.InstanceType?.Value) {
      throw Object.assign(new Error('only InstanceType (stand-in)'), {
        name: 'InvalidParameterCombination',
      });
    }
    if (i.state !== 'stopped') {
      throw Object.assign(
        new Error(
          `The instance '${i.id}' is not in the 'stopped' state. (stand-in: ${i.state})`,
        ),
        { name: 'IncorrectInstanceState' },
      );
    }
    i.instanceType = input.InstanceType.Value;
    return {};
  });
  ec2.on(TerminateInstancesCommand).callsFake(async input => {
    calls.push('TerminateInstances');
    for (const i of instances.filter(x => input.InstanceIds.includes(x.id))) {
      await i.vm.destroy();
      i.state = 'terminated';
      for (const [volumeId, volume] of volumes) {
        if (volume.instanceId !== i.id) continue;
        if (volume.deleteOnTermination) volumes.delete(volumeId);
        else volume.instanceId = undefined;
      }
    }
    return {};
  });
  ec2.on(DescribeVolumesCommand).callsFake(async input => ({
    Volumes: [...volumes]
      .filter(([, v]) => {
        const filters = (input.Filters ?? []) as {
          Name: string;
          Values: string[];
        }[];
        const attachedTo = filters.find(
          f => f.Name === 'attachment.instance-id',
        );
        return (
          (!attachedTo || attachedTo.Values.includes(v.instanceId!)) &&
          matches(
            v,
            filters.filter(f => f !== attachedTo),
          )
        );
      })
      .map(([VolumeId, v]) => ({
        VolumeId,
        Size: v.sizeGiB,
        State: v.instanceId ? 'in-use' : 'available',
        Attachments: v.instanceId
          ? [{ InstanceId: v.instanceId, Device: v.device, State: 'attached' }]
          : [],
      })),
  }));
  /**
   * As EBS: one modification at a time, never smaller; the disk the VM sees grows at once (the
   * loop device behind it), and the modification shows `modifying` on the first look and
   * `optimizing` after.
   */
  ec2.on(ModifyVolumeCommand).callsFake(async input => {
    calls.push('ModifyVolume');
    const volume = volumes.get(input.VolumeId);
    if (!volume) throw notFound('InvalidVolume.NotFound');
    if (volume.modifications.some(m => m.ModificationState === 'modifying')) {
      throw notFound('IncorrectModificationState');
    }
    if (input.Size <= volume.sizeGiB) {
      throw Object.assign(
        new Error(
          `New size cannot be smaller than existing size (stand-in: ${volume.sizeGiB} GiB)`,
        ),
        { name: 'InvalidParameterValue' },
      );
    }
    const vm = instances.find(i => i.id === volume.instanceId)?.vm;
    await vm?.growDataDisk(input.Size);
    const modification: VolumeModification = {
      ModificationState: 'modifying',
      OriginalSize: volume.sizeGiB,
      TargetSize: input.Size,
      StartTime: new Date(),
      looks: 0,
    };
    volume.modifications.push(modification);
    volume.sizeGiB = input.Size;
    const { looks: _, ...shown } = modification;
    return { VolumeModification: { VolumeId: input.VolumeId, ...shown } };
  });
  ec2.on(DescribeVolumesModificationsCommand).callsFake(async input => {
    const found = (input.VolumeIds as string[]).flatMap(VolumeId =>
      (volumes.get(VolumeId)?.modifications ?? []).map(m => {
        if (m.ModificationState === 'modifying' && m.looks++ >= 1)
          m.ModificationState = 'optimizing';
        const { looks: _, ...shown } = m;
        return { VolumeId, ...shown };
      }),
    );
    if (!found.length) throw notFound('InvalidVolumeModification.NotFound');
    return { VolumesModifications: found };
  });
  ec2.on(DeleteVolumeCommand).callsFake(async input => {
    calls.push('DeleteVolume');
    volumes.delete(input.VolumeId);
    return {};
  });

  return {
    keyPairs,
    instances,
    volumes,
    calls,
    /** Destroys every VM still running and restores the real EC2Client. */
    async restore() {
      for (const i of instances) await i.vm.destroy();
      ec2.restore();
    },
  };
}
