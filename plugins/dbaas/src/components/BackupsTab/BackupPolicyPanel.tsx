import { InfoCard } from '@backstage/core-components';
import { BackupPolicy, Instance } from '@dbaas/plugin-dbaas-common';
import { Button, Typography } from '@material-ui/core';
import { useState } from 'react';
import { BackupPolicyDialog } from './BackupPolicyDialog';

/** The schedule and retention in words, e.g. `'0 3 * * *' (UTC), kept 7 days, at most 5`. */
export function describePolicy(policy: BackupPolicy): string {
  const when = policy.schedule
    ? `Scheduled backups '${policy.schedule}' (UTC)`
    : 'No scheduled backups';
  const count = policy.retentionCount
    ? `, at most ${policy.retentionCount}`
    : '';
  return `${when}; kept ${policy.retentionDays} days${count}`;
}

/** The instance's backup schedule and retention, and a form to change them. */
export const BackupPolicyPanel = ({ instance }: { instance: Instance }) => {
  const [policy, setPolicy] = useState(instance.backup);
  const [editing, setEditing] = useState(false);
  if (!policy) return null;
  return (
    <InfoCard title="Schedule and retention">
      <Typography variant="body2">{describePolicy(policy)}</Typography>
      <Button
        size="small"
        color="primary"
        style={{ marginTop: 8 }}
        onClick={() => setEditing(true)}
      >
        Change
      </Button>
      {editing && (
        <BackupPolicyDialog
          instance={instance}
          policy={policy}
          onClose={() => setEditing(false)}
          onSaved={saved => {
            setPolicy(saved);
            setEditing(false);
          }}
        />
      )}
    </InfoCard>
  );
};
