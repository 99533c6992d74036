import { sign } from 'node:crypto';
import type forge from 'node-forge';
import type { CertRecord } from '../state/types.js';
import { nodeForge } from './forge.js';

export interface Subject {
  commonName: string;
  organisation: string;
}

export interface IssueRequest {
  publicPem: string;
  serial: number;
  notBefore: Date;
  days: number;
}

export interface Issuer {
  privatePem: string;
  certificatePem: string;
}

const DAY_MS = 86_400_000;

/** A self-signed CA certificate: forge builds the structure, node:crypto signs natively. */
export function issueCaCertificate(req: IssueRequest & { subject: Subject }, privatePem: string): CertRecord {
  return selfSigned(baseCertificate(req, subjectAttrs(req.subject)), req, privatePem);
}

/**
 * The same CA (subject and key) certified again from `req.notBefore`: what
 * a gateway holding the old certificate verifies with, since the issuer's
 * name and key are what a chain is built on, is unchanged.
 */
export function recertifyCa(certificatePem: string, req: Omit<IssueRequest, 'publicPem'>, privatePem: string): CertRecord {
  const { pki } = lib();
  const old = pki.certificateFromPem(certificatePem);
  const publicPem = pki.publicKeyToPem(old.publicKey);
  return selfSigned(baseCertificate({ ...req, publicPem }, old.subject.attributes), { ...req, publicPem }, privatePem);
}

function selfSigned(cert: forge.pki.Certificate, req: IssueRequest, privatePem: string): CertRecord {
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return signCertificate(cert, req, privatePem);
}

/**
 * A gateway certificate usable as both TLS server and client, since either
 * end of a link may be either. Its subject is the CA's with the gateway's
 * name as CN, so an imported CA's fields (C, ST, L, O, emailAddress) carry
 * over, as the certificates P2P-VPN issued had them.
 */
export function issueGatewayCertificate(req: IssueRequest & { commonName: string }, issuer: Issuer): CertRecord {
  const { pki } = lib();
  const caSubject = pki.certificateFromPem(issuer.certificatePem).subject.attributes;
  const cert = baseCertificate(req, gatewaySubject(caSubject, req.commonName));
  // The issuer name is copied from the CA certificate itself: an imported CA's name is not the one p2pvpn would give it.
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyId(issuer.certificatePem) },
  ]);
  return signCertificate(cert, req, issuer.privatePem);
}

function baseCertificate(req: IssueRequest, subject: forge.pki.CertificateField[]): forge.pki.Certificate {
  const { pki } = lib();
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(req.publicPem);
  cert.serialNumber = serialHex(req.serial);
  cert.validity.notBefore = req.notBefore;
  cert.validity.notAfter = new Date(req.notBefore.getTime() + req.days * DAY_MS);
  cert.setSubject(subject);
  return cert;
}

/** The CA's subject with CN set to the gateway's name: in place of the CA's own CN, else where easy-rsa puts it, before emailAddress. */
function gatewaySubject(caSubject: forge.pki.CertificateField[], commonName: string): forge.pki.CertificateField[] {
  const cn: forge.pki.CertificateField = { name: 'commonName', value: commonName };
  const fields = caSubject.map((f) => (f.name === 'commonName' ? cn : { ...f }));
  if (fields.includes(cn)) return fields;
  const email = fields.findIndex((f) => f.name === 'emailAddress');
  fields.splice(email < 0 ? fields.length : email, 0, cn);
  return fields;
}

function signCertificate(cert: forge.pki.Certificate, req: IssueRequest, privatePem: string): CertRecord {
  const { asn1, pki } = lib();
  const oid = pki.oids['sha256WithRSAEncryption']!;
  cert.siginfo.algorithmOid = oid;
  (cert as unknown as { signatureOid: string }).signatureOid = oid;
  const tbs = Buffer.from(
    asn1.toDer((pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert)).getBytes(),
    'binary',
  );
  cert.signature = sign('sha256', tbs, privatePem).toString('binary');
  return {
    pem: pki.certificateToPem(cert).replace(/\r\n/g, '\n'),
    serial: req.serial,
    notBefore: cert.validity.notBefore.toISOString(),
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

function subjectAttrs(s: Subject): forge.pki.CertificateField[] {
  return [
    { name: 'organizationName', value: s.organisation },
    { name: 'commonName', value: s.commonName },
  ];
}

/** DER INTEGER bytes of a positive serial: even length hex, a leading 00 when the top bit is set. */
export function serialHex(serial: number): string {
  let hex = serial.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return hex;
}

/** RFC 5280 method 1 (SHA-1 of the public key), the same value forge writes as the CA's own identifier. */
function subjectKeyId(certificatePem: string): string {
  const { pki, md } = lib();
  const publicKey = pki.certificateFromPem(certificatePem).publicKey as forge.pki.rsa.PublicKey;
  return pki.getPublicKeyFingerprint(publicKey, { md: md.sha1.create(), type: 'RSAPublicKey', encoding: 'binary' }) as unknown as string;
}

/** forge's parts, loaded on first use (see forge.ts): a WireGuard run never needs them. */
function lib() {
  const { asn1, pki, md } = nodeForge();
  return { asn1, pki, md };
}
