import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { MeshState } from './types.js';

/**
 * True when the base64 X25519 private key belongs to the base64 public key.
 * Both are imported as JWK (raw keys, RFC 8037), which node:crypto does about
 * ten times faster than decoding PKCS#8; the public half is derived natively.
 */
export function wgKeysMatch(privateKey: string, publicKey: string): boolean {
  const jwk = { kty: 'OKP', crv: 'X25519', x: Buffer.from(publicKey, 'base64').toString('base64url') };
  const recorded = createPublicKey({ key: jwk, format: 'jwk' });
  const derived = createPublicKey(createPrivateKey({ key: { ...jwk, d: Buffer.from(privateKey, 'base64').toString('base64url') }, format: 'jwk' }));
  return derived.equals(recorded);
}

/** True when `keyPem` is the private key of the certificate `certPem`; OpenSSL compares the two. */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
}

/**
 * Every place where a secret does not belong to the public half recorded for
 * it: such a pair of files must never be used, since it would ship a key that
 * no peer accepts. Returns one line per problem, never any key material.
 */
export function keyMismatches(state: MeshState): string[] {
  const { public: pub, secrets } = state;
  const problems: string[] = [];
  const check = (what: string, ok: () => boolean): void => {
    let good = false;
    try {
      good = ok();
    } catch {
      good = false;
    }
    if (!good) problems.push(what);
  };
  if (pub.ca)
    check('the CA key does not match the CA certificate', () => secrets.caKey !== undefined && keyMatchesCertificate(secrets.caKey, pub.ca!.certificate.pem));
  if (pub.standbyCa)
    check(
      'the standby CA key does not match the standby CA certificate',
      () => secrets.standbyCaKey !== undefined && keyMatchesCertificate(secrets.standbyCaKey, pub.standbyCa!.certificate.pem),
    );
  if (pub.retiringCa)
    check(
      'the retiring CA key does not match the retiring CA certificate',
      () => secrets.retiringCaKey !== undefined && keyMatchesCertificate(secrets.retiringCaKey, pub.retiringCa!.certificate.pem),
    );
  for (const [name, lan] of Object.entries(pub.lans)) {
    const secret = secrets.lans[name];
    if (lan.certificate)
      check(`the key of ${name} does not match its certificate`, () => secret?.key !== undefined && keyMatchesCertificate(secret.key, lan.certificate!.pem));
    if (lan.wgPublicKey)
      check(
        `the WireGuard private key of ${name} does not match its public key`,
        () => secret?.wgPrivateKey !== undefined && wgKeysMatch(secret.wgPrivateKey, lan.wgPublicKey!),
      );
  }
  return problems;
}
