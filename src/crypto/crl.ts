import { sign } from 'node:crypto';
import type forge from 'node-forge';
import type { PublicState, SecretState } from '../state/types.js';
import { serialHex } from './certs.js';
import { nodeForge } from './forge.js';

/** Dates move an hour back, like certificates' notBefore, so a gateway with a slow clock does not see a CRL from the future. */
const CLOCK_SKEW_MS = 3_600_000;
/** UTCTime covers 1950-2049; later dates must be GeneralizedTime (RFC 5280 4.1.2.5). */
const UTC_TIME_END = Date.UTC(2050, 0, 1);

const OID = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  crlNumber: '2.5.29.20',
  authorityKeyId: '2.5.29.35',
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
 */
export function issueCrl(input: CrlInput): string {
  const { asn1, pki, util, Class, Type } = lib();
  const ca = pki.certificateFromPem(input.caCertificatePem);
  const revoked = [...input.revoked].sort((a, b) => a.serial - b.serial).map((r) => ({ serial: r.serial, date: skewed(r.date) }));
  let thisUpdate = ca.validity.notBefore;
  for (const r of revoked) if (r.date > thisUpdate) thisUpdate = r.date;
  const tbs = seq([
    integer(util.hexToBytes('01')),
    algorithm(),
    caSubject(input.caCertificatePem),
    time(thisUpdate),
    time(ca.validity.notAfter),
    ...(revoked.length > 0 ? [seq(revoked.map((r) => seq([integer(util.hexToBytes(serialHex(r.serial))), time(r.date)])))] : []),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [seq([authorityKeyIdExtension(ca), crlNumberExtension(revoked.length)])]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, input.caKeyPem).toString('binary');
  const crl = seq([tbs, algorithm(), asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\0${signature}`)]);
  const body = Buffer.from(asn1.toDer(crl).getBytes(), 'binary').toString('base64');
  return `-----BEGIN X509 CRL-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END X509 CRL-----\n`;
}

/**
 * keys/crl.pem: one CRL for each CA the mesh's bundles trust (the CA, the
 * standby, and during a rotation the retiring one), in keys/ca.crt's order,
 * then the last CRL of the CA the latest rotation replaced. OpenVPN's
 * crl-verify checks each certificate of a chain against its issuer's CRL
 * (and lets one through whose issuer has none there). Serials come from one
 * counter for all of a mesh's CAs, so every CRL lists every revocation.
 * Undefined before the CA exists (WireGuard meshes never have one).
 */
export function meshCrl(pub: PublicState, secrets: SecretState): string | undefined {
  if (!pub.ca || !secrets.caKey) return undefined;
  const crls = trustedCas(pub, secrets).map(({ certificatePem, keyPem }) =>
    issueCrl({ caCertificatePem: certificatePem, caKeyPem: keyPem, revoked: pub.revoked }),
  );
  return crls.join('') + (pub.formerCaCrl ?? '');
}

/** keys/ca.crt: the CA, the standby CA and, during a rotation, the retiring CA. */
export function trustedCaPem(pub: PublicState): string {
  return [pub.ca!.certificate.pem, pub.standbyCa?.certificate.pem, pub.retiringCa?.certificate.pem].filter((pem) => pem !== undefined).join('');
}

/** Every CA a bundle trusts, in the order keys/ca.crt lists them. */
export function trustedCas(pub: PublicState, secrets: SecretState): { certificatePem: string; keyPem: string }[] {
  const cas = [{ certificatePem: pub.ca!.certificate.pem, keyPem: secrets.caKey! }];
  if (pub.standbyCa && secrets.standbyCaKey) cas.push({ certificatePem: pub.standbyCa.certificate.pem, keyPem: secrets.standbyCaKey });
  if (pub.retiringCa && secrets.retiringCaKey) cas.push({ certificatePem: pub.retiringCa.certificate.pem, keyPem: secrets.retiringCaKey });
  return cas;
}

/** The serial numbers the CRLs of a crl.pem list, for summaries; signatures are checked by OpenVPN and by the tests. */
export function crlSerials(pem: string): number[] {
  const serials = new Set<number>();
  for (const block of pem.match(/-----BEGIN X509 CRL-----[^-]*-----END X509 CRL-----/g) ?? []) for (const serial of oneCrlSerials(block)) serials.add(serial);
  return [...serials].sort((a, b) => a - b);
}

function oneCrlSerials(pem: string): number[] {
  const { asn1, util, Class, Type } = lib();
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('binary');
  const tbs = (asn1.fromDer(der).value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const list = tbs.find((v, i) => i > 4 && v.tagClass === Class.UNIVERSAL && v.type === Type.SEQUENCE);
  if (!list) return [];
  return (list.value as forge.asn1.Asn1[]).map((entry) => parseInt(util.bytesToHex((entry.value as forge.asn1.Asn1[])[0]!.value as string), 16));
}

function skewed(iso: string): Date {
  return new Date(Math.floor((Date.parse(iso) - CLOCK_SKEW_MS) / 1000) * 1000);
}

function seq(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  const { asn1, Class, Type } = lib();
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
}

function integer(bytes: string): forge.asn1.Asn1 {
  const { asn1, Class, Type } = lib();
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, bytes);
}

function oid(value: string): forge.asn1.Asn1 {
  const { asn1, Class, Type } = lib();
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(value).getBytes());
}

function algorithm(): forge.asn1.Asn1 {
  const { asn1, Class, Type } = lib();
  return seq([oid(OID.sha256WithRsa), asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]);
}

function time(date: Date): forge.asn1.Asn1 {
  const { asn1, Class, Type } = lib();
  return date.getTime() < UTC_TIME_END
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** The issuer must match the CA's subject byte for byte, so it is copied from the certificate, not rebuilt. */
function caSubject(pem: string): forge.asn1.Asn1 {
  const { asn1, Class, pem: pemCodec } = lib();
  const der = pemCodec.decode(pem)[0]!.body;
  const tbs = (asn1.fromDer(der).value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const hasVersion = tbs[0]!.tagClass === Class.CONTEXT_SPECIFIC;
  return tbs[hasVersion ? 5 : 4]!;
}

function extension(id: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  const { asn1, Class, Type } = lib();
  return seq([oid(id), asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, asn1.toDer(value).getBytes())]);
}

/** RFC 5280 5.2.1: which CA key signed it, taken from the CA's own subjectKeyIdentifier. */
function authorityKeyIdExtension(ca: forge.pki.Certificate): forge.asn1.Asn1 {
  const { asn1, util, Class } = lib();
  const ski = (ca.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string }).subjectKeyIdentifier;
  return extension(OID.authorityKeyId, seq([asn1.create(Class.CONTEXT_SPECIFIC, 0, false, util.hexToBytes(ski))]));
}

/** RFC 5280 5.2.3: increases with every revocation, since revocations are never undone. */
function crlNumberExtension(count: number): forge.asn1.Asn1 {
  const { util } = lib();
  return extension(OID.crlNumber, integer(util.hexToBytes(serialHex(count))));
}

/** forge's parts, loaded on first use (see forge.ts): a WireGuard run never needs them. */
function lib() {
  const { asn1, pki, util, pem, md } = nodeForge();
  return { asn1, pki, util, pem, md, Class: asn1.Class, Type: asn1.Type };
}
