import fs from 'fs';
import os from 'os';
import path from 'path';

/** A mistake in how the command was called: shown without a stack, exit code 2. */
export class UsageError extends Error {
  name = 'UsageError';
}

/** Where `dbaas login` keeps the portal's address and the token (mode 0600). */
export function configFile(): string {
  return (
    process.env.DBAAS_CONFIG ??
    path.join(os.homedir(), '.config', 'dbaas', 'config.json')
  );
}

export interface Settings {
  url: string;
  token: string;
}

/** Flags beat environment variables, which beat the config file. */
export function resolveSettings(flags: {
  url?: string;
  token?: string;
}): Settings {
  let saved: Partial<Settings> = {};
  try {
    saved = JSON.parse(fs.readFileSync(configFile(), 'utf8'));
  } catch {
    // no login yet
  }
  const url = flags.url ?? process.env.DBAAS_URL ?? saved.url;
  const token = flags.token ?? process.env.DBAAS_TOKEN ?? saved.token;
  if (!url) {
    throw new UsageError(
      'No Backstage URL: pass --url, set DBAAS_URL, or run `dbaas login --url <backend url>`',
    );
  }
  if (!token) {
    throw new UsageError(
      'No token: run `dbaas login --url <backend url>` and paste your token from the portal (Databases → CLI access), or set DBAAS_TOKEN',
    );
  }
  return { url: url.replace(/\/+$/, ''), token };
}

export function saveSettings(settings: Settings) {
  const file = configFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, {
    mode: 0o600,
  });
  return file;
}
