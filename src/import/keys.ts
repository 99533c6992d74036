import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { ORGANISATION_PATTERN } from '../model/schema.js';
import type { CertRecord, PublicState } from '../state/types.js';
import { fileText, type ImportProblems } from './entries.js';
import type { FolderEntry } from './folder.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface ImportedKeys {
  ca: NonNullable<PublicState['ca']>;
  caKey: string;
  caName: string;
  /** The CA's O=, when it is one lans.yaml can carry: a CA p2pvpn makes later for this mesh keeps it. */
  organisation?: string;
  certificates: Map<string, { certificate: CertRecord; key: string }>;
  /** Gateways whose certificate cannot be kept, and why: they get a new key and certificate. */
  renewed: Map<string, string>;
  /** index.txt's revocations, and every certificate import replaces. */
  revoked: PublicState['revoked'];
}

/**
 * Reads P2P-VPN's OpenSSL CA database (keys/): the CA, each gateway's key and
 * certificate, the serial counter and the revocations. A key that does not
 * match its certificate, or a certificate the CA did not sign, is a problem.
 * A certificate without extendedKeyUsage is kept (P2P-VPN's never have one:
 * it is valid for any purpose); one that TLS would refuse in either role, or
 * that has expired, is replaced and revoked, and that gateway is re-keyed.
 */
export function importKeys(
  files: Map<string, FolderEntry>,
  gateways: string[],
  paired: Set<string>,
  dir: string,
  now: Date,
  problems: ImportProblems,
): ImportedKeys | undefined {
  const need = (name: string): string | undefined => fileText(files.get(name), `${dir}/${name}`, problems, "P2P-VPN's CA database has it");
  const [caPem, caKeyPem, serialText, indexText] = [need('ca.crt'), need('ca.key'), need('serial'), need('index.txt')];
  const ca = caPem && caKeyPem ? readCa(caPem, caKeyPem, dir, problems) : undefined;
  const gatewayKeys = readGatewayKeys(files, gateways, paired, ca?.cert, dir, now, problems);
  const index = indexText === undefined ? undefined : parseIndex(indexText, `${dir}/index.txt`, problems);
  const counter = serialText === undefined ? NaN : /^[0-9A-Fa-f]+$/.test(serialText.trim()) ? Number.parseInt(serialText.trim(), 16) : NaN;
  if (serialText !== undefined && !Number.isSafeInteger(counter)) problems.push(`${dir}/serial: expected the next serial in hex, like 0A`);
  if (!ca || !index || !Number.isSafeInteger(counter)) return undefined;
  const used = [...index.serials, ...certificateSerials(files)];
  const nextSerial = Math.max(counter, ...used.map((s) => s + 1), 2);
  // A CA made by `openssl req -x509` has a random 20-byte serial; p2pvpn never needs it, so it is kept only when it fits.
  const { pem, notBefore, notAfter } = certRecord(ca.cert, 0);
  const caSerial = safeSerial(ca.cert.serialNumber) ? { serial: Number.parseInt(ca.cert.serialNumber, 16) } : {};
  return {
    ca: { certificate: { pem, notBefore, notAfter, ...caSerial }, nextSerial },
    caKey: ca.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    caName: ca.cert.subject.replace(/\n/g, ', '),
    ...organisationOf(ca.cert),
    certificates: gatewayKeys.certificates,
    renewed: gatewayKeys.renewed,
    revoked: [...index.revoked, ...gatewayKeys.replaced.filter((r) => !index.revoked.some((x) => x.serial === r.serial))],
  };
}

function organisationOf(ca: X509Certificate): { organisation?: string } {
  const o = ca.subject
    .split('\n')
    .find((field) => field.startsWith('O='))
    ?.slice(2);
  return o !== undefined && ORGANISATION_PATTERN.test(o) ? { organisation: o } : {};
}

function readCa(certPem: string, keyPem: string, dir: string, problems: ImportProblems): { cert: X509Certificate; key: KeyObject } | undefined {
  const cert = readCertificate(certPem, `${dir}/ca.crt`, problems);
  const key = readKey(keyPem, `${dir}/ca.key`, problems);
  if (!cert || !key) return undefined;
  const before = problems.length;
  if (!cert.ca) problems.push(`${dir}/ca.crt: not a CA certificate (basicConstraints CA:TRUE is missing)`);
  if (key.asymmetricKeyType !== 'rsa') problems.push(`${dir}/ca.key: a ${key.asymmetricKeyType} key; p2pvpn signs with RSA CA keys only`);
  else if (!cert.checkPrivateKey(key)) problems.push(`${dir}/ca.key: does not belong to ca.crt`);
  return problems.length === before ? { cert, key } : undefined;
}

interface GatewayKeys {
  certificates: ImportedKeys['certificates'];
  renewed: ImportedKeys['renewed'];
  /** Certificates import does not keep: revoked, since they may be valid for years. */
  replaced: PublicState['revoked'];
}

/** Each gateway's certificate and key; without a readable CA, all but the signature are still checked. */
function readGatewayKeys(
  files: Map<string, FolderEntry>,
  gateways: string[],
  paired: Set<string>,
  ca: X509Certificate | undefined,
  dir: string,
  now: Date,
  problems: ImportProblems,
): GatewayKeys {
  const found: GatewayKeys = { certificates: new Map(), renewed: new Map(), replaced: [] };
  for (const name of gateways) {
    if (!paired.has(name) && !files.has(`${name}.crt`)) {
      found.renewed.set(name, 'P2P-VPN never issued it a certificate');
      continue;
    }
    const why = paired.has(name) ? `${name}'s tunnels use it` : `keys/${name}.crt is there`;
    const [crtPem, keyPem] = [`${name}.crt`, `${name}.key`].map((f) => fileText(files.get(f), `${dir}/${f}`, problems, why));
    const cert = crtPem === undefined ? undefined : readCertificate(crtPem, `${dir}/${name}.crt`, problems);
    const key = keyPem === undefined ? undefined : readKey(keyPem, `${dir}/${name}.key`, problems);
    if (!cert || !key || !isSound(name, cert, key, ca, dir, problems) || !ca) continue;
    const serial = Number.parseInt(cert.serialNumber, 16);
    const unusable = whyUnusable(cert, now);
    if (unusable === undefined)
      found.certificates.set(name, { certificate: certRecord(cert, serial), key: key.export({ type: 'pkcs8', format: 'pem' }).toString() });
    else {
      found.renewed.set(name, unusable);
      found.replaced.push({ serial, name, date: now.toISOString() });
    }
  }
  return found;
}

/** A certificate the folder's CA signed, for this gateway's name, with its key; anything else is the folder's problem. */
function isSound(name: string, cert: X509Certificate, key: KeyObject, ca: X509Certificate | undefined, dir: string, problems: ImportProblems): boolean {
  const where = `${dir}/${name}.crt`;
  const before = problems.length;
  if (ca && (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))) problems.push(`${where}: not signed by ca.crt`);
  if (!cert.checkPrivateKey(key)) problems.push(`${dir}/${name}.key: does not belong to ${name}.crt`);
  if (!cert.subject.split('\n').includes(`CN=${name}`))
    problems.push(`${where}: its CN is not "${name}" (subject ${cert.subject.replace(/\n/g, ', ')}), so peers would not accept it`);
  if (!safeSerial(cert.serialNumber)) problems.push(`${where}: serial ${cert.serialNumber} is too large to keep; P2P-VPN numbered certificates 01, 02, ...`);
  return problems.length === before;
}

/** Serials of every certificate file in keys/, kept or not: a certificate signed outside `openssl ca` is missing from index.txt. */
function certificateSerials(files: Map<string, FolderEntry>): number[] {
  const serials: number[] = [];
  for (const [name, entry] of files) {
    if (!name.endsWith('.crt') || name === 'ca.crt' || entry.kind !== 'file') continue;
    try {
      const serial = new X509Certificate(entry.text).serialNumber;
      if (safeSerial(serial)) serials.push(Number.parseInt(serial, 16));
    } catch {
      // Not a certificate: the gateways' own files were checked above; others do not matter.
    }
  }
  return serials;
}

/**
 * Either end of a link may be the TLS server, and TLS checks the purpose of
 * what it is shown (OpenSSL's ssl_server/ssl_client purposes): without
 * extendedKeyUsage a certificate serves either, with one it must list both.
 */
function whyUnusable(cert: X509Certificate, now: Date): string | undefined {
  if (new Date(cert.validTo).getTime() <= now.getTime()) return `its certificate expired on ${new Date(cert.validTo).toISOString().slice(0, 10)}`;
  const eku = cert.keyUsage;
  if (eku !== undefined && (!eku.includes(SERVER_AUTH) || !eku.includes(CLIENT_AUTH)))
    return "its certificate's extendedKeyUsage does not allow both TLS server and client (serverAuth, clientAuth), and either end of a link may be either";
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
