import { InfoCard } from '@backstage/core-components';
import { Box, Typography } from '@material-ui/core';
import { useTheme } from '@material-ui/core/styles';

/** One value of a series; `value` null where it is not known (a gap in the line). */
export interface ChartPoint {
  at: number;
  value: number | null;
}

const WIDTH = 300;
const HEIGHT = 64;
const PAD = 3;

/** The runs of known values: a null breaks the line. */
function runs(points: ChartPoint[]): { at: number; value: number }[][] {
  const result: { at: number; value: number }[][] = [];
  let run: { at: number; value: number }[] = [];
  for (const p of points) {
    if (p.value === null) {
      if (run.length) result.push(run);
      run = [];
    } else {
      run.push({ at: p.at, value: p.value });
    }
  }
  if (run.length) result.push(run);
  return result;
}

/**
 * An area chart of a series drawn as inline SVG, scaled to its own time span and to its values
 * (from 0 when `fromZero`).
 */
export const Sparkline = (props: {
  points: ChartPoint[];
  fromZero?: boolean;
  label: string;
}) => {
  const theme = useTheme();
  const color = theme.palette.primary.main;
  const known = props.points.filter(p => p.value !== null) as {
    at: number;
    value: number;
  }[];
  const first = props.points[0]?.at ?? 0;
  const last = props.points[props.points.length - 1]?.at ?? 0;
  const values = known.map(p => p.value);
  let lo = props.fromZero ? Math.min(0, ...values) : Math.min(...values);
  let hi = Math.max(...values);
  if (!known.length) {
    lo = 0;
    hi = 1;
  } else if (hi === lo) {
    // a flat series: in the middle, or at the bottom when it is all 0 from 0
    if (props.fromZero) {
      hi = 1;
    } else {
      lo -= 1;
      hi += 1;
    }
  }
  const x = (at: number) =>
    last === first
      ? WIDTH - PAD
      : PAD + ((at - first) / (last - first)) * (WIDTH - 2 * PAD);
  const y = (value: number) =>
    HEIGHT - PAD - ((value - lo) / (hi - lo)) * (HEIGHT - 2 * PAD);
  const fmt = (n: number) => n.toFixed(1);

  return (
    <svg
      role="img"
      aria-label={props.label}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      width="100%"
      height={HEIGHT}
      style={{ display: 'block' }}
    >
      {runs(props.points).map(run => {
        const line = run
          .map((p, i) => `${i ? 'L' : 'M'}${fmt(x(p.at))},${fmt(y(p.value))}`)
          .join(' ');
        const area = `${line} L${fmt(
          x(run[run.length - 1].at),
        )},${HEIGHT} L${fmt(x(run[0].at))},${HEIGHT} Z`;
        return (
          <g key={run[0].at}>
            <path d={area} fill={color} fillOpacity={0.15} stroke="none" />
            <path
              d={line}
              fill="none"
              stroke={color}
              strokeWidth={1.5}
              vectorEffect="non-scaling-stroke"
            />
          </g>
        );
      })}
      {known.length > 0 && (
        <circle
          cx={x(known[known.length - 1].at)}
          cy={y(known[known.length - 1].value)}
          r={2.5}
          fill={color}
        />
      )}
    </svg>
  );
};

/** A card with a series' latest value, its min and max, and its sparkline. */
export const MetricChart = (props: {
  title: string;
  points: ChartPoint[];
  format: (value: number) => string;
  fromZero?: boolean;
}) => {
  const known = props.points
    .map(p => p.value)
    .filter((v): v is number => v !== null);
  const latest = known.length ? known[known.length - 1] : undefined;
  const min = known.length ? Math.min(...known) : undefined;
  const max = known.length ? Math.max(...known) : undefined;
  const show = (v: number | undefined) =>
    v === undefined ? '—' : props.format(v);

  return (
    <InfoCard title={props.title} noPadding>
      <Box p={2} pb={1}>
        <Typography
          variant="h4"
          component="p"
          data-testid={`metric-latest-${props.title}`}
        >
          {show(latest)}
        </Typography>
        <Typography variant="caption" color="textSecondary">
          min {show(min)} · max {show(max)}
        </Typography>
      </Box>
      <Sparkline
        points={props.points}
        fromZero={props.fromZero}
        label={`${props.title}: latest ${show(latest)}, min ${show(
          min,
        )}, max ${show(max)}`}
      />
    </InfoCard>
  );
};
