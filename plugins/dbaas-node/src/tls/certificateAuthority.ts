import crypto from 'crypto';
import forge from 'node-forge';
import { promisify } from 'util';

const generateKeyPair = promisify(crypto.generateKeyPair);

const CA_VALIDITY_YEARS = 10;

/** The Manager's certificate authority: it signs every instance's server certificate. */
export interface CertificateAuthority {
  certificatePem: string;
  privateKeyPem: string;
}

/** An RSA key pair as PEM (node-forge signs with RSA only). */
export async function rsaKeyPair(modulusLength: number) {
  const { publicKey, privateKey } = await generateKeyPair('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/**
 * Signs the certificate with SHA-256/RSA using Node's own crypto: node-forge's pure-JavaScript
 * RSA takes a quarter of a second per signature with a 3072-bit key and blocks the event loop
 * meanwhile, which starves lease renewals when many instances deploy at once.
 */
export function signCertificate(
  cert: forge.pki.Certificate,
  privateKeyPem: string,
) {
  const oid = forge.pki.oids.sha256WithRSAEncryption;
  const signed = cert as forge.pki.Certificate & {
    siginfo: { algorithmOid: string };
    tbsCertificate: forge.asn1.Asn1;
  };
  signed.signatureOid = oid;
  signed.siginfo.algorithmOid = oid;
  // in node-forge, missing from its type definitions
  const { getTBSCertificate } = forge.pki as unknown as {
    getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1;
  };
  signed.tbsCertificate = getTBSCertificate(cert);
  const tbs = Buffer.from(
    forge.asn1.toDer(signed.tbsCertificate).getBytes(),
    'binary',
  );
  signed.signature = crypto
    .sign('sha256', tbs, privateKeyPem)
    .toString('binary');
}

/** PEM with Unix line ends (node-forge writes CRLF), as files and clients expect. */
export function pem(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

/** A random positive serial number, as the hex node-forge takes. */
export function serialNumber(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] &= 0x7f; // positive: DER integers are signed
  bytes[0] |= 0x01; // and never with a leading zero byte
  return bytes.toString('hex');
}

/** A new self-signed CA (RSA 3072, SHA-256, valid for 10 years). */
export async function createCertificateAuthority(
  now = new Date(),
): Promise<CertificateAuthority> {
  const keys = await rsaKeyPair(3072);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setFullYear(now.getFullYear() + CA_VALIDITY_YEARS);
  const subject = [
    { name: 'organizationName', value: 'DBaaS for Backstage' },
    {
      name: 'commonName',
      value: `DBaaS Manager CA ${crypto.randomBytes(4).toString('hex')}`,
    },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    {
      name: 'basicConstraints',
      cA: true,
      pathLenConstraint: 0,
      critical: true,
    },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, keys.privateKeyPem);
  return {
    certificatePem: pem(forge.pki.certificateToPem(cert)),
    privateKeyPem: keys.privateKeyPem,
  };
}
