import { InfoCard } from '@backstage/core-components';
import { InstanceEvent } from '@dbaas/plugin-dbaas-common';
import {
  Step,
  StepContent,
  StepLabel,
  Stepper,
  Typography,
} from '@material-ui/core';
import ErrorIcon from '@material-ui/icons/Error';

/** The instance's timeline, newest last: phases, status and health changes, who did what. */
export const EventTimeline = ({ events }: { events: InstanceEvent[] }) => (
  <InfoCard title="Timeline">
    <Stepper orientation="vertical" activeStep={events.length}>
      {events.map(e => (
        <Step key={e.id} completed expanded>
          <StepLabel
            error={e.type === 'fault'}
            StepIconComponent={
              e.type === 'fault' ? () => <ErrorIcon color="error" /> : undefined
            }
          >
            {e.message}
          </StepLabel>
          <StepContent>
            <Typography variant="caption" color="textSecondary">
              {new Date(e.at).toLocaleString()} · {e.type} · {e.actor}
            </Typography>
          </StepContent>
        </Step>
      ))}
    </Stepper>
  </InfoCard>
);
