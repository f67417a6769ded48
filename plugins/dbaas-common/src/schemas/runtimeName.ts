import { z } from 'zod';
import { DbaasApiSchemas } from './api';

/**
 * A runtime's name as registered with the Manager (built in: local, docker; modules add
 * others, e.g. kubernetes, ec2). The Manager's registry is the only list of runtimes:
 * `GET /runtimes` tells which exist.
 */
export type RuntimeName = DbaasApiSchemas['RuntimeName'];

export const runtimeNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}$/,
    'must be a runtime name: lowercase letters, digits and dashes (see GET /runtimes)',
  );
