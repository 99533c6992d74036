import { sign } from 'node:crypto';
import type { PublicState } from '../state/types.js';
import { serialHex } from './certs.js';
import { childrenOf, contents, encoded, integerHex, readElement, readTime, readWhole, sequence, TAG, time, tlv } from './der.js';

/** Dates move an hour back, like certificates' notBefore, so a gateway with a slow clock does not see a CRL from the future. */
const CLOCK_SKEW_MS = 3_600_000;

/** DER of the fixed parts: AlgorithmIdentifier sha256WithRSAEncryption with NULL parameters, and the extension OIDs (RFC 5280). */
const SHA256_WITH_RSA = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
const OID = {
  crlNumber: Buffer.from('0603551d14', 'hex'),
  authorityKeyId: Buffer.from('0603551d23', 'hex'),
  subjectKeyId: Buffer.from('0603551d0e', 'hex'),
};

export interface CrlInput {
  caCertificatePem: string;
  caKeyPem: string;
  revoked: { serial: number; date: string }[];
}

/**
 * The mesh's certificate revocation list (RFC 5280 section 5), a v2 CRL
 * signed by the CA. It depends only on the state, so the same state always
 * gives the same bytes: thisUpdate is the latest revocation (or the CA's
 * start), nextUpdate the CA's end, so a gateway never holds an expired CRL.
 * Written as DER directly: OpenVPN meshes make one on every run, and
 * node-forge would load for it alone when no certificate is issued.
 */
export function issueCrl(input: CrlInput): string {
  const ca = readCaCertificate(input.caCertificatePem);
  const revoked = [...input.revoked].sort((a, b) => a.serial - b.serial).map((r) => ({ serial: r.serial, date: skewed(r.date) }));
  const thisUpdate = revoked.reduce((latest, r) => (r.date > latest ? r.date : latest), ca.notBefore);
  const tbs = sequence(
    integerHex('01'),
    SHA256_WITH_RSA,
    ca.subject,
    time(thisUpdate),
    time(ca.notAfter),
    ...(revoked.length > 0 ? [sequence(...revoked.map((r) => sequence(integerHex(serialHex(r.serial)), time(r.date))))] : []),
    tlv(0xa0, sequence(authorityKeyIdExtension(ca.subjectKeyId), crlNumberExtension(revoked.length))),
  );
  const signature = sign('sha256', tbs, input.caKeyPem);
  const crl = sequence(tbs, SHA256_WITH_RSA, tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN X509 CRL-----\n${crl.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END X509 CRL-----\n`;
}

/** The CRL of a mesh's state; undefined before the CA exists (WireGuard meshes never have one). */
export function meshCrl(pub: PublicState, caKeyPem: string | undefined): string | undefined {
  if (!pub.ca || !caKeyPem) return undefined;
  return issueCrl({ caCertificatePem: pub.ca.certificate.pem, caKeyPem, revoked: pub.revoked });
}

/** The serial numbers a CRL lists, for summaries; the signature is checked by OpenVPN and by the tests. */
export function crlSerials(pem: string): number[] {
  const der = pemBody(pem);
  const [tbs] = childrenOf(der, readWhole(der));
  const list = childrenOf(der, tbs!).find((v, i) => i > 4 && v.tag === TAG.SEQUENCE);
  if (!list) return [];
  return childrenOf(der, list).map((entry) => parseInt(contents(der, childrenOf(der, entry)[0]!).toString('hex'), 16));
}

function skewed(iso: string): Date {
  return new Date(Math.floor((Date.parse(iso) - CLOCK_SKEW_MS) / 1000) * 1000);
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

/** What the CRL takes from its CA: the subject byte for byte (its issuer must match exactly), validity, and key identifier. */
function readCaCertificate(pem: string): { subject: Buffer; notBefore: Date; notAfter: Date; subjectKeyId: Buffer } {
  const der = pemBody(pem);
  const [tbsElement] = childrenOf(der, readWhole(der));
  const tbs = childrenOf(der, tbsElement!);
  const hasVersion = tbs[0]!.tag === 0xa0;
  const [validity, subject] = [tbs[hasVersion ? 4 : 3]!, tbs[hasVersion ? 5 : 4]!];
  const [notBefore, notAfter] = childrenOf(der, validity).map((t) => readTime(der, t));
  const extensions = tbs.find((el) => el.tag === 0xa3);
  const skid = extensions && childrenOf(der, childrenOf(der, extensions)[0]!).find((ext) => encoded(der, childrenOf(der, ext)[0]!).equals(OID.subjectKeyId));
  if (!skid) throw new Error('the CA certificate has no subjectKeyIdentifier for the CRL to name');
  // extnValue is an OCTET STRING holding the KeyIdentifier, itself an OCTET STRING.
  const value = childrenOf(der, skid).at(-1)!;
  const keyId = readElement(der, value.start, value.end);
  return { subject: Buffer.from(encoded(der, subject)), notBefore: notBefore!, notAfter: notAfter!, subjectKeyId: Buffer.from(contents(der, keyId)) };
}

function extension(id: Buffer, value: Buffer): Buffer {
  return sequence(id, tlv(TAG.OCTET_STRING, value));
}

/** RFC 5280 5.2.1: which CA key signed it, taken from the CA's own subjectKeyIdentifier. */
function authorityKeyIdExtension(keyId: Buffer): Buffer {
  return extension(OID.authorityKeyId, sequence(tlv(0x80, keyId)));
}

/** RFC 5280 5.2.3: increases with every revocation, since revocations are never undone. */
function crlNumberExtension(count: number): Buffer {
  return extension(OID.crlNumber, integerHex(serialHex(count)));
}
