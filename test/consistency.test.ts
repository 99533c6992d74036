import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { issueCaCertificate } from '../src/crypto/certs.js';
import { nodeKeySource } from '../src/crypto/keys.js';
import { keyMatchesCertificate, wgKeysMatch } from '../src/state/consistency.js';

const rsa = (): { privatePem: string; publicPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
};
const mine = rsa();
const other = rsa();
const certificate = issueCaCertificate(
  { subject: { commonName: 'm CA', organisation: 'o' }, publicPem: mine.publicPem, serial: 1, notBefore: new Date('2026-01-01T00:00:00Z'), days: 10 },
  mine.privatePem,
).pem;
const pkcs1 = createPrivateKey(mine.privatePem).export({ type: 'pkcs1', format: 'pem' }).toString();
/** The PEM with one base64 line dropped: still PEM-shaped, no longer a key. */
const truncated = (pem: string): string =>
  pem
    .split('\n')
    .filter((_, i) => i !== 5)
    .join('\n');

describe('key consistency checks', () => {
  it('refuses a key of another algorithm for an RSA certificate', () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    assert.equal(keyMatchesCertificate(ec.privateKey, certificate), false);
  });

  it("accepts the certificate's own key in either PEM form and refuses any other or a damaged one", () => {
    assert.equal(keyMatchesCertificate(mine.privatePem, certificate), true);
    assert.equal(keyMatchesCertificate(pkcs1, certificate), true);
    assert.equal(keyMatchesCertificate(other.privatePem, certificate), false);
    assert.throws(() => keyMatchesCertificate(truncated(mine.privatePem), certificate));
  });

  it('matches a WireGuard private key with its own public key only', () => {
    const a = nodeKeySource.x25519KeyPair();
    const b = nodeKeySource.x25519KeyPair();
    assert.equal(wgKeysMatch(a.privateKey, a.publicKey), true);
    assert.equal(wgKeysMatch(b.privateKey, a.publicKey), false);
    assert.equal(wgKeysMatch(a.privateKey, b.publicKey), false);
  });
});
