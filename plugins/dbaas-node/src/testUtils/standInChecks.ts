import { Credentials } from '@dbaas/plugin-dbaas-common';
import { execFileSync } from 'child_process';
import Docker from 'dockerode';
import { Client } from 'pg';
import { STAND_IN_IMAGE } from './standInVm';

/**
 * No silent skip: a stand-in VM test needs a Docker engine, the stand-in image and the local
 * registry with the flavor images; otherwise it fails saying what to run.
 */
export async function requireStandInParts(test: string) {
  try {
    const docker = new Docker({ socketPath: '/var/run/docker.sock' });
    await docker.ping();
    await docker.getImage(STAND_IN_IMAGE).inspect();
  } catch (error) {
    throw new Error(
      `The ${test} needs a Docker engine and ${STAND_IN_IMAGE} (${error}); run scripts/ci/ec2-standin/build.sh (.ci/run does)`,
    );
  }
  const catalog = await fetch('http://127.0.0.1:5000/v2/_catalog').catch(
    () => undefined,
  );
  const repositories = catalog?.ok ? (await catalog.json()).repositories : [];
  if (!repositories.includes('dbaas/postgresql')) {
    throw new Error(
      `The ${test} needs the local registry with dbaas/postgresql: run scripts/ci/start-registry.sh`,
    );
  }
}

/** What pg and mysql2 connect with from the Manager's credentials, verifying the server with their CA. */
export function verifiedConnection(creds: Credentials) {
  return {
    host: creds.host,
    port: creds.port,
    database: creds.database,
    user: creds.username,
    password: creds.password,
    ssl: { ca: creds.ca, rejectUnauthorized: true },
  };
}

/**
 * A PostgreSQL client connected with the Manager's credentials. A failure is rethrown as a
 * plain error naming the endpoint and the code: a TLS error carries the peer certificate,
 * whose circular issuer chain Jest's JSON report cannot serialise (a whole run's report was
 * lost to one).
 */
export async function connectedWith(creds: Credentials): Promise<Client> {
  const client = new Client(verifiedConnection(creds));
  await client.connect().catch((error: Error & { code?: string }) => {
    throw new Error(
      `connecting to ${creds.host}:${creds.port}: ${error.message} (${
        error.code ?? 'no code'
      })`,
    );
  });
  return client;
}

/** Runs a command inside a stand-in VM (the console's view, not the Manager's); its output. */
export function onStandInVm(vmName: string, command: string): string {
  return execFileSync('docker', ['exec', vmName, 'sh', '-c', command])
    .toString()
    .trim();
}
