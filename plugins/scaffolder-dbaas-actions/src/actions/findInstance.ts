import { NotFoundError, ResponseError } from '@backstage/errors';
import { Instance } from '@dbaas/plugin-dbaas-common';
import { ManagerSession } from '../managerClient';

/** The `instance` input of the actions that act on an existing database. */
export const INSTANCE_INPUT_DESCRIPTION =
  'The database: its name, instance id or catalog entity ref (e.g. resource:default/orders-db)';

/** A live database by id, else by name; its catalog entity ref names it too. */
export async function findInstance(
  session: ManagerSession,
  input: string,
): Promise<Instance> {
  const options = { token: session.token };
  const name = /^resource:(?:default\/)?([^:/]+)$/i.exec(input)?.[1] ?? input;
  try {
    return await session.api.getInstance(name, options);
  } catch (error) {
    if (!(error instanceof ResponseError && error.statusCode === 404)) {
      throw error;
    }
  }
  const { items } = await session.api.listInstances({ name }, options);
  const found = items.find(i => i.name === name);
  if (found) return found;
  throw new NotFoundError(
    `instance: no database named or with id '${input}' that you may read`,
  );
}
