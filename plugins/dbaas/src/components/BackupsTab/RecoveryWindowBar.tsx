import { InfoCard } from '@backstage/core-components';
import { RecoveryWindow } from '@dbaas/plugin-dbaas-common';
import { Box, Typography } from '@material-ui/core';

/** The moments the instance can be restored to, as a bar from the earliest to the latest. */
export const RecoveryWindowBar = ({ window }: { window?: RecoveryWindow }) => (
  <InfoCard title="Recovery window">
    {window?.earliest && window.latest ? (
      <>
        <Box
          role="img"
          aria-label="Recovery window"
          height={12}
          borderRadius={6}
          bgcolor="primary.main"
          mb={1}
        />
        <Box display="flex" justifyContent="space-between">
          <Typography variant="body2" data-testid="dbaas-window-earliest">
            {new Date(window.earliest).toLocaleString()}
          </Typography>
          <Typography variant="body2" data-testid="dbaas-window-latest">
            {new Date(window.latest).toLocaleString()}
          </Typography>
        </Box>
        <Typography variant="caption" color="textSecondary">
          Any second between these can be restored to a new database.
        </Typography>
      </>
    ) : (
      <Typography variant="body2">No completed backup yet</Typography>
    )}
  </InfoCard>
);
