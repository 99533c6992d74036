import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { CertRecord, PublicState } from '../state/types.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface ImportedKeys {
  ca: NonNullable<PublicState['ca']>;
  caKey: string;
  caName: string;
  certificates: Map<string, { certificate: CertRecord; key: string }>;
  /** Gateways whose certificate cannot be kept, and why: they get a new key and certificate. */
  renewed: Map<string, string>;
  revoked: PublicState['revoked'];
}

/**
 * Reads P2P-VPN's OpenSSL CA database (keys/): the CA, each gateway's key and
 * certificate, the serial counter and the revocations. A key that does not
 * match its certificate, or a certificate the CA did not sign, is a problem;
 * a certificate p2pvpn's configs would reject (no serverAuth and clientAuth,
 * expired) is not kept, and that gateway is re-keyed.
 */
export function importKeys(
  files: Map<string, string>,
  gateways: string[],
  paired: Set<string>,
  dir: string,
  now: Date,
  problems: string[],
): ImportedKeys | undefined {
  const need = (name: string): string | undefined => {
    const text = files.get(name);
    if (text === undefined) problems.push(`${dir}/${name}: missing; P2P-VPN's CA database has it`);
    return text;
  };
  const [caPem, caKeyPem, serialText, indexText] = [need('ca.crt'), need('ca.key'), need('serial'), need('index.txt')];
  if (!caPem || !caKeyPem || serialText === undefined || indexText === undefined) return undefined;
  const caCert = readCertificate(caPem, `${dir}/ca.crt`, problems);
  const caKey = readKey(caKeyPem, `${dir}/ca.key`, problems);
  if (!caCert || !caKey) return undefined;
  if (!caCert.ca) problems.push(`${dir}/ca.crt: not a CA certificate (basicConstraints CA:TRUE is missing)`);
  if (caKey.asymmetricKeyType !== 'rsa') problems.push(`${dir}/ca.key: a ${caKey.asymmetricKeyType} key; p2pvpn signs with RSA CA keys only`);
  else if (!caCert.checkPrivateKey(caKey)) problems.push(`${dir}/ca.key: does not belong to ca.crt`);

  const certificates = new Map<string, { certificate: CertRecord; key: string }>();
  const renewed = new Map<string, string>();
  for (const name of gateways) {
    const [crtPem, keyPem] = [files.get(`${name}.crt`), files.get(`${name}.key`)];
    if (!crtPem || !keyPem) {
      if (paired.has(name)) problems.push(`${dir}/${name}.${crtPem ? 'key' : 'crt'}: missing, but ${name}'s tunnels use it`);
      else renewed.set(name, 'P2P-VPN never issued it a certificate');
      continue;
    }
    const cert = readCertificate(crtPem, `${dir}/${name}.crt`, problems);
    const key = readKey(keyPem, `${dir}/${name}.key`, problems);
    if (!cert || !key) continue;
    const where = `${dir}/${name}.crt`;
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) problems.push(`${where}: not signed by ca.crt`);
    else if (!cert.checkPrivateKey(key)) problems.push(`${dir}/${name}.key: does not belong to ${name}.crt`);
    else if (!cert.subject.split('\n').includes(`CN=${name}`))
      problems.push(`${where}: its CN is not "${name}" (subject ${cert.subject.replace(/\n/g, ', ')}), so peers would not accept it`);
    else if (!safeSerial(cert.serialNumber))
      problems.push(`${where}: serial ${cert.serialNumber} is too large to keep; P2P-VPN numbered certificates 01, 02, ...`);
    else {
      const unusable = whyUnusable(cert, now);
      if (unusable) renewed.set(name, unusable);
      else
        certificates.set(name, {
          certificate: certRecord(cert, Number.parseInt(cert.serialNumber, 16)),
          key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
        });
    }
  }

  const index = parseIndex(indexText, `${dir}/index.txt`, problems);
  const counter = /^[0-9A-Fa-f]+$/.test(serialText.trim()) ? Number.parseInt(serialText.trim(), 16) : NaN;
  if (!Number.isSafeInteger(counter)) problems.push(`${dir}/serial: expected the next serial in hex, like 0A`);
  const used = [...index.serials, ...certificateSerials(files)];
  const nextSerial = Math.max(counter, ...used.map((s) => s + 1), 2);
  // A CA made by `openssl req -x509` has a random 20-byte serial; p2pvpn never needs it, so it is kept only when it fits.
  const { pem, notBefore, notAfter } = certRecord(caCert, 0);
  const caSerial = safeSerial(caCert.serialNumber) ? { serial: Number.parseInt(caCert.serialNumber, 16) } : {};
  return {
    ca: { certificate: { pem, notBefore, notAfter, ...caSerial }, nextSerial },
    caKey: caKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    caName: caCert.subject.replace(/\n/g, ', '),
    certificates,
    renewed,
    revoked: index.revoked,
  };
}

/** Serials of every certificate file in keys/, kept or not: a certificate signed outside `openssl ca` is missing from index.txt. */
function certificateSerials(files: Map<string, string>): number[] {
  const serials: number[] = [];
  for (const [name, text] of files) {
    if (!name.endsWith('.crt') || name === 'ca.crt') continue;
    try {
      const serial = new X509Certificate(text).serialNumber;
      if (safeSerial(serial)) serials.push(Number.parseInt(serial, 16));
    } catch {
      // Not a certificate: the gateways' own files were checked above; others do not matter.
    }
  }
  return serials;
}

/** p2pvpn's configs say `remote-cert-tls`, and either end of a link may be the TLS server. */
function whyUnusable(cert: X509Certificate, now: Date): string | undefined {
  if (new Date(cert.validTo).getTime() <= now.getTime()) return `its certificate expired on ${new Date(cert.validTo).toISOString().slice(0, 10)}`;
  const eku = cert.keyUsage ?? [];
  if (!eku.includes(SERVER_AUTH) || !eku.includes(CLIENT_AUTH))
    return "its certificate is not valid for both TLS server and client (extendedKeyUsage serverAuth, clientAuth), which p2pvpn's configs require";
  return undefined;
}

/** index.txt: status, expiry, revocation date, serial (hex), file, subject; tab separated. */
function parseIndex(text: string, file: string, problems: string[]): { serials: number[]; revoked: PublicState['revoked'] } {
  const serials: number[] = [];
  const revoked: PublicState['revoked'] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const [status, , revokedAt, serialHex, , subject] = line.split('\t');
    const serial = serialHex && /^[0-9A-Fa-f]+$/.test(serialHex) ? Number.parseInt(serialHex, 16) : NaN;
    if (!['V', 'R', 'E'].includes(status ?? '') || !Number.isSafeInteger(serial)) {
      problems.push(`${file}:${i + 1}: not an OpenSSL CA index line (status, expiry, revocation date, serial, file, subject)`);
      return;
    }
    serials.push(serial);
    if (status === 'R') {
      const name = /\/CN=([^/]+)/.exec(subject ?? '')?.[1] ?? 'unknown';
      revoked.push({ serial, name, date: opensslTime(revokedAt ?? '') ?? '1970-01-01T00:00:00.000Z' });
    }
  });
  return { serials, revoked };
}

/** OpenSSL's index dates: YYMMDDHHMMSSZ. */
function opensslTime(value: string): string | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z/.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]) + (Number(m[1]) < 50 ? 2000 : 1900);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))).toISOString();
}

function readCertificate(text: string, file: string, problems: string[]): X509Certificate | undefined {
  try {
    return new X509Certificate(text);
  } catch {
    problems.push(`${file}: not a PEM certificate`);
    return undefined;
  }
}

function readKey(text: string, file: string, problems: string[]): KeyObject | undefined {
  if (/ENCRYPTED/.test(text)) {
    problems.push(`${file}: encrypted with a passphrase; p2pvpn keeps keys unencrypted in its 0600 state folder, so decrypt a copy of the folder first`);
    return undefined;
  }
  try {
    return createPrivateKey(text);
  } catch {
    problems.push(`${file}: not a PEM private key`);
    return undefined;
  }
}

function safeSerial(hex: string): boolean {
  return Number.isSafeInteger(Number.parseInt(hex, 16)) && hex.length <= 13;
}

function certRecord(cert: X509Certificate, serial: number): CertRecord {
  return { pem: cert.toString(), serial, notBefore: new Date(cert.validFrom).toISOString(), notAfter: new Date(cert.validTo).toISOString() };
}
