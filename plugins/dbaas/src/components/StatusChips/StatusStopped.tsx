import { Typography } from '@material-ui/core';
import { makeStyles } from '@material-ui/core/styles';
import { ReactNode } from 'react';
import PauseCircleOutline from '@material-ui/icons/PauseCircleOutline';

// as Backstage's Status* components draw theirs, in the neutral grey of StatusAborted
const useStyles = makeStyles(theme => ({
  status: {
    fontWeight: theme.typography.fontWeightMedium as number,
    alignItems: 'baseline',
    display: 'flex',
  },
  icon: {
    flexShrink: 0,
    position: 'relative',
    top: '0.125em',
    marginRight: theme.spacing(1),
    width: '0.8em',
    height: '0.8em',
    fill: theme.palette.status.aborted || '#6A6E73',
  },
}));

/** A database stopped on purpose: neutral, neither an error nor busy. */
export const StatusStopped = ({ children }: { children?: ReactNode }) => {
  const classes = useStyles();
  return (
    <Typography
      component="span"
      className={classes.status}
      aria-label="Status stopped"
    >
      <PauseCircleOutline
        data-testid="status-stopped"
        className={classes.icon}
      />
      {children}
    </Typography>
  );
};
