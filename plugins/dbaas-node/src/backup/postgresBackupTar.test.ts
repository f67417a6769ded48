import { Readable } from 'stream';
import * as tar from 'tar-stream';
import { parseBackupLog, walFileName } from './postgresBaseBackup';
import { RESTORE_HBA, restoreTar } from './postgresRestoreTar';

describe('walFileName', () => {
  it('names the file holding the byte before the position, as pg_walfile_name does', () => {
    expect(walFileName('0/2000028', 1)).toBe('000000010000000000000002');
    expect(walFileName('0/3000000', 1)).toBe('000000010000000000000002');
    expect(walFileName('1/0', 2)).toBe('0000000200000000000000FF');
    expect(walFileName('A/5000100', 3)).toBe('000000030000000A00000005');
  });
});

describe('parseBackupLog', () => {
  it("reads dbaas-basebackup.sh's report: the history file's positions and the server's clock", () => {
    const log = [
      'dbaas-basebackup: started-at 1700000000.250000',
      'pg_basebackup: initiating base backup, waiting for checkpoint to complete',
      'NOTICE:  all required WAL segments have been archived',
      'dbaas-basebackup: stopped-at 1700000001.750000',
      'dbaas-basebackup: START WAL LOCATION: 0/7000028 (file 000000020000000000000007)',
      'dbaas-basebackup: STOP WAL LOCATION: 0/8000100 (file 000000020000000000000008)',
      'dbaas-basebackup: START TIMELINE: 2',
      'dbaas-basebackup: STOP TIMELINE: 2',
    ].join('\n');
    expect(parseBackupLog(log)).toEqual({
      startLsn: '0/7000028',
      stopLsn: '0/8000100',
      startWalFile: '000000020000000000000007',
      stopWalFile: '000000020000000000000008',
      startedAt: new Date(1700000000250),
      stoppedAt: new Date(1700000001750),
    });
  });

  it('fails when the script did not get that far', () => {
    expect(() =>
      parseBackupLog('dbaas-basebackup: started-at 1700000000\nboom'),
    ).toThrow(/did not report the backup's start and end: .*boom/);
  });
});

function tarOf(files: Record<string, string>): Readable {
  const pack = tar.pack();
  pack.entry({ name: 'base', type: 'directory', uid: 0, gid: 0 });
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, uid: 0, gid: 0 }, content);
  }
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

async function entries(stream: Readable) {
  const extract = tar.extract();
  stream.on('error', error => extract.destroy(error));
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  const found: Record<string, { uid: number; text: string }> = {};
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    found[entry.header.name] = {
      uid: entry.header.uid,
      text: Buffer.concat(chunks).toString('utf8'),
    };
  }
  return found;
}

describe('restoreTar', () => {
  it('makes a base backup ready for recovery in an empty PGDATA, as the image user', async () => {
    const { tar: out, label } = restoreTar(
      tarOf({
        backup_label: 'START WAL LOCATION: 0/2000028\n',
        'postgresql.conf': 'port = 5432\n',
        'pg_hba.conf': 'host all all all scram-sha-256\n',
        'base/1': 'data',
        'standby.signal': '',
      }),
      new Date('2024-05-01T12:00:00.123Z'),
    );
    const found = await entries(out);
    expect(await label).toBe('START WAL LOCATION: 0/2000028\n');
    expect(Object.keys(found).sort()).toEqual([
      'backup_label',
      'base',
      'base/1',
      'dbaas-recovery.conf',
      'pg_hba.conf',
      'postgresql.conf',
      'recovery.signal',
    ]);
    expect(Object.values(found).every(e => e.uid === 999)).toBe(true);
    expect(found['postgresql.conf'].text).toContain(
      "include_if_exists = 'dbaas-recovery.conf'",
    );
    expect(found['pg_hba.conf'].text.split('\n')[0]).toBe(RESTORE_HBA);
    expect(found['dbaas-recovery.conf'].text).toContain(
      "recovery_target_time = '2024-05-01 12:00:00.123+00'",
    );
    expect(found['dbaas-recovery.conf'].text).toContain(
      "restore_command = 'test -f /var/lib/dbaas/restore-wal/%f && cp /var/lib/dbaas/restore-wal/%f %p'",
    );
  });

  it('refuses an archive without backup_label, or with a path outside PGDATA', async () => {
    const none = restoreTar(tarOf({ 'postgresql.conf': '' }), undefined);
    await expect(entries(none.tar)).rejects.toThrow(/no backup_label/);
    await expect(none.label).rejects.toThrow(/no backup_label/);
    const outside = restoreTar(tarOf({ '../etc/passwd': 'x' }), undefined);
    await expect(outside.label).rejects.toThrow(/outside the data directory/);
  });
});
