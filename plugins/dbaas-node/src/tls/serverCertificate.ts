import net from 'net';
import forge from 'node-forge';
import { EngineTls } from '../runtime';
import {
  CertificateAuthority,
  pem,
  rsaKeyPair,
  serialNumber,
  signCertificate,
} from './certificateAuthority';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a server certificate is valid. */
export const SERVER_CERT_VALIDITY_DAYS = 730;
/** A certificate this close to its end is replaced at the next deploy. */
export const RENEW_BEFORE_DAYS = 30;

/**
 * The names a server certificate must carry, cleaned: no duplicates, no empty or
 * wildcard listen addresses (0.0.0.0, ::), IPv6 without brackets.
 */
export function certificateNames(names: Array<string | undefined>): string[] {
  const seen = new Set<string>();
  for (const raw of names) {
    const name = raw
      ?.trim()
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase();
    if (!name || name === '0.0.0.0' || name === '::') continue;
    seen.add(name);
  }
  return [...seen];
}

/** Key pairs made ahead: an RSA key takes 50-500 ms to generate, off a create's path this way. */
const spareKeys: Array<ReturnType<typeof rsaKeyPair>> = [];
const SPARE_KEYS = 2;

/** A server's RSA 2048 key pair: a spare one when there is, and the spares made again behind it. */
function serverKeyPair(): ReturnType<typeof rsaKeyPair> {
  const keys = spareKeys.shift() ?? rsaKeyPair(2048);
  while (spareKeys.length < SPARE_KEYS) {
    const spare = rsaKeyPair(2048);
    spare.catch(() => {}); // a failed spare fails the certificate that takes it
    spareKeys.push(spare);
  }
  return keys;
}

/**
 * A server certificate for these names (DNS names and IP addresses), signed by the CA:
 * RSA 2048, SHA-256, serverAuth, valid for two years.
 */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  names: string[],
  now = new Date(),
): Promise<EngineTls> {
  if (!names.length) {
    throw new Error('A server certificate needs at least one name');
  }
  const keys = await serverKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certificatePem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(
    now.getTime() + SERVER_CERT_VALIDITY_DAYS * DAY_MS,
  );
  // a common name of at most 64 characters (X.520); the names that count are the SANs
  const commonName = names.find(n => n.length <= 64) ?? 'dbaas-instance';
  cert.setSubject([
    { name: 'organizationName', value: 'DBaaS for Backstage' },
    { name: 'commonName', value: commonName },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    {
      name: 'keyUsage',
      digitalSignature: true,
      keyEncipherment: true,
      critical: true,
    },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map(name =>
        net.isIP(name) ? { type: 7, ip: name } : { type: 2, value: name },
      ),
    },
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  signCertificate(cert, ca.privateKeyPem);
  return {
    certificatePem: pem(forge.pki.certificateToPem(cert)),
    privateKeyPem: keys.privateKeyPem,
    caPem: ca.certificatePem,
    names,
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

/**
 * Why the certificate an instance has cannot serve these names under this CA (none,
 * another CA, a name missing, close to its end), or undefined when it can.
 */
export function replacementReason(
  tls: EngineTls | undefined,
  names: string[],
  caPem: string,
  now = new Date(),
): string | undefined {
  if (!tls) return 'the instance had none';
  if (tls.caPem.trim() !== caPem.trim())
    return 'the previous one is from another CA';
  const missing = names.filter(n => !tls.names.includes(n));
  if (missing.length) return `the previous one lacks ${missing.join(', ')}`;
  if (
    new Date(tls.notAfter).getTime() - now.getTime() <
    RENEW_BEFORE_DAYS * DAY_MS
  ) {
    return `the previous one ends on ${tls.notAfter}`;
  }
  return undefined;
}
