import {
  CertificateAuthority,
  createCertificateAuthority,
} from '@dbaas/plugin-dbaas-node';
import { SecretBox } from '../crypto/SecretBox';
import { SettingsStore } from '../store/SettingsStore';

/** The setting that holds the CA, sealed with the SecretBox. */
export const CA_SETTING = 'tls.ca';

/**
 * The Manager's CA from the store, made on first use. It is stored sealed, once for every
 * replica: two replicas that both make one keep the one stored first.
 */
export async function loadCertificateAuthority(
  settings: SettingsStore,
  secretBox: SecretBox,
): Promise<CertificateAuthority> {
  let sealed = await settings.get(CA_SETTING);
  if (sealed === undefined) {
    const made = await createCertificateAuthority();
    sealed = await settings.insertIfAbsent(CA_SETTING, secretBox.seal(made));
  }
  return secretBox.open<CertificateAuthority>(sealed);
}
