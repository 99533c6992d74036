import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import type { MeshState } from './types.js';

/** PKCS#8 header of a raw X25519 private key (RFC 8410), so node:crypto can derive its public half. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The WireGuard public key of a base64 private key, as `wg pubkey` prints it. */
export function wgPublicKeyOf(privateKey: string): string {
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, Buffer.from(privateKey, 'base64')]), format: 'der', type: 'pkcs8' });
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

/** True when `keyPem` is the private key of the certificate `certPem`. */
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
  if (pub.ca) check('the CA key does not match the CA certificate', () => secrets.caKey !== undefined && keyMatchesCertificate(secrets.caKey, pub.ca!.certificate.pem));
  for (const [name, lan] of Object.entries(pub.lans)) {
    const secret = secrets.lans[name];
    if (lan.certificate) check(`the key of ${name} does not match its certificate`, () => secret?.key !== undefined && keyMatchesCertificate(secret.key, lan.certificate!.pem));
    if (lan.wgPublicKey) check(`the WireGuard private key of ${name} does not match its public key`, () => secret?.wgPrivateKey !== undefined && wgPublicKeyOf(secret.wgPrivateKey) === lan.wgPublicKey);
  }
  return problems;
}
