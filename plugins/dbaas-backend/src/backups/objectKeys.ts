/** Where an instance's backups and shipped log files live in the backup store. */

export function baseBackupKey(instanceId: string, backupId: string) {
  return `instances/${instanceId}/base/${backupId}.tar`;
}

export function logKey(instanceId: string, name: string) {
  return `instances/${instanceId}/log/${name}`;
}
