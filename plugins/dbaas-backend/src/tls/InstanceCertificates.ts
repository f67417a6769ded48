import { SecretBox } from '../crypto/SecretBox';
import {
  CertificateAuthority,
  EngineTls,
  issueServerCertificate,
  replacementReason,
} from '@dbaas/plugin-dbaas-node';
import { SettingsStore } from '../store/SettingsStore';
import { loadCertificateAuthority } from './certificateAuthority';

/** The Manager's CA, loaded once per replica, and the certificates it gives instances. */
export class InstanceCertificates {
  private ca?: Promise<CertificateAuthority>;

  constructor(
    private readonly options: { settings: SettingsStore; secretBox: SecretBox },
  ) {}

  /** The CA, made and stored on first use; a failed load is tried again next time. */
  authority(): Promise<CertificateAuthority> {
    this.ca ??= loadCertificateAuthority(
      this.options.settings,
      this.options.secretBox,
    ).catch(error => {
      this.ca = undefined;
      throw error;
    });
    return this.ca;
  }

  /** The CA certificate clients verify every instance with. */
  async caPem(): Promise<string> {
    return (await this.authority()).certificatePem;
  }

  /**
   * The certificate an instance should serve for these names: the one it has while it
   * still can, else a new one, with the reason it was replaced.
   */
  async certificateFor(
    existing: EngineTls | undefined,
    names: string[],
  ): Promise<{ tls: EngineTls; reason?: string }> {
    const ca = await this.authority();
    const reason = replacementReason(existing, names, ca.certificatePem);
    if (!reason) return { tls: existing! };
    return { tls: await issueServerCertificate(ca, names), reason };
  }
}
