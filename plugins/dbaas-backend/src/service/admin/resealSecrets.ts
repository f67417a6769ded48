import { SecretBox, SecretUnreadableError } from '../../crypto/SecretBox';
import { InstanceStore, SealedValues } from '../../store/InstanceStore';
import { SettingsStore } from '../../store/SettingsStore';

export interface ResealReport {
  /** The key every readable secret is now sealed with. */
  keyId: string;
  resealed: number;
  alreadyCurrent: number;
  /**
   * Instances with a secret that no configured key opens (left as they are), and
   * `setting:<key>` for such a setting (e.g. `setting:tls.ca`, the Manager's CA).
   */
  unreadable: string[];
}

/**
 * Seals every stored secret again under the current (first) key: the instance secrets and
 * sealed values inside host refs (e.g. an EC2 host's SSH key), and sealed settings (the
 * Manager's TLS CA). Run after putting a new key first; once it reports nothing
 * unreadable, the old key can be removed.
 */
export async function resealSecrets(
  store: InstanceStore,
  secretBox: SecretBox,
  settings?: SettingsStore,
): Promise<ResealReport> {
  const report: ResealReport = {
    keyId: secretBox.currentKeyId,
    resealed: 0,
    alreadyCurrent: 0,
    unreadable: [],
  };
  for (let row of await store.listSealed()) {
    for (let attempt = 0; ; attempt++) {
      let next: SealedValues;
      try {
        next = resealRow(row, secretBox);
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
        report.unreadable.push(row.id);
        break;
      }
      if (next.secrets === row.secrets && next.hostRef === row.hostRef) {
        report.alreadyCurrent++;
        break;
      }
      if (await store.swapSealed(row, next)) {
        report.resealed++;
        break;
      }
      // changed meanwhile (a step recorded its host): read it again
      const [fresh] = await store.listSealed(row.id);
      if (!fresh || attempt >= 3) break;
      row = fresh;
    }
  }
  for (const setting of settings ? await settings.list() : []) {
    if (!SecretBox.isSealed(setting.value)) continue;
    try {
      const next = secretBox.reseal(setting.value);
      if (next === setting.value) {
        report.alreadyCurrent++;
      } else if (await settings!.swap(setting.key, setting.value, next)) {
        report.resealed++;
      }
      // a value swapped meanwhile was sealed by another replica, under its current key
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      report.unreadable.push(`setting:${setting.key}`);
    }
  }
  return report;
}

function resealRow(row: SealedValues, box: SecretBox): SealedValues {
  return {
    id: row.id,
    secrets: box.reseal(row.secrets),
    hostRef:
      row.hostRef === null
        ? null
        : JSON.stringify(resealDeep(JSON.parse(row.hostRef), box)),
  };
}

function resealDeep(value: unknown, box: SecretBox): unknown {
  if (typeof value === 'string') {
    return SecretBox.isSealed(value) ? box.reseal(value) : value;
  }
  if (Array.isArray(value)) return value.map(v => resealDeep(v, box));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resealDeep(v, box)]),
    );
  }
  return value;
}
