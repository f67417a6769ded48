import { z } from 'zod';
import { DbaasApiSchemas } from './api';

/** A user made inside an instance's server besides its application user. */
export type DatabaseUser = DbaasApiSchemas['DatabaseUser'];
export type DatabaseUserRole = DatabaseUser['role'];
/** A database on an instance's server: the application database, or one made later. */
export type Database = DbaasApiSchemas['Database'];
export type CreateDatabaseUserRequest =
  DbaasApiSchemas['CreateDatabaseUserRequest'];
export type CreateDatabaseRequest = DbaasApiSchemas['CreateDatabaseRequest'];

export const DATABASE_USER_ROLES = [
  'readonly',
  'readwrite',
] as const satisfies readonly DatabaseUserRole[];

/** Names of users and databases: safe as SQL identifiers on every engine. */
export const objectNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,30}$/,
    'must be 1–31 lower-case letters, digits and underscores, starting with a letter',
  );

export const createDatabaseUserRequestSchema = z
  .object({
    name: objectNameSchema,
    role: z.enum(DATABASE_USER_ROLES, {
      errorMap: () => ({
        message: `must be one of ${DATABASE_USER_ROLES.join(', ')}`,
      }),
    }),
    database: z.string().min(1, 'must name a database').optional(),
  })
  .strict() satisfies z.ZodType<
  CreateDatabaseUserRequest,
  z.ZodTypeDef,
  unknown
>;

export const createDatabaseRequestSchema = z
  .object({ name: objectNameSchema })
  .strict() satisfies z.ZodType<CreateDatabaseRequest, z.ZodTypeDef, unknown>;
