import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { issueCaCertificate } from '../src/crypto/certs.js';
import { crlSerials, issueCrl } from '../src/crypto/crl.js';
import { nodeKeySource } from '../src/crypto/keys.js';
import { withTempDir } from './support/cli.js';
import { openssl } from './support/mesh.js';

// One CA key for both tests: RSA generation is the slow part, and the CPU is shared.
const caKey = nodeKeySource.rsaKeyPair();

describe('certificate revocation list', () => {
  it('is a v2 CRL openssl verifies, deterministic, dated from the state and lasting as long as the CA, even past 2049', async () => {
    const pair = await caKey;
    const subject = { commonName: 'lab CA', organisation: 'test' };
    // 40 years: the CA's end needs GeneralizedTime, which the CRL's nextUpdate must copy.
    const ca = issueCaCertificate(
      { subject, publicPem: pair.publicPem, serial: 1, notBefore: new Date('2026-01-01T00:00:00Z'), days: 40 * 365 },
      pair.privatePem,
    );
    const revoked = [
      { serial: 200, date: '2026-06-01T12:00:00.123Z' },
      { serial: 3, date: '2026-03-01T00:00:00.000Z' },
    ];
    const crl = issueCrl({ caCertificatePem: ca.pem, caKeyPem: pair.privatePem, revoked });
    assert.equal(issueCrl({ caCertificatePem: ca.pem, caKeyPem: pair.privatePem, revoked: [...revoked].reverse() }), crl, 'same revocations, same bytes');
    assert.deepEqual(crlSerials(crl), [3, 200]);
    await withTempDir((dir) => {
      const check = openssl(dir, ['crl', '-in', 'crl.pem', '-noout', '-CAfile', 'ca.crt', '-lastupdate', '-nextupdate', '-crlnumber'], {
        'crl.pem': crl,
        'ca.crt': ca.pem,
      });
      assert.match(check.output, /verify OK/);
      // thisUpdate: the latest revocation, an hour early for gateways with slow clocks.
      assert.match(check.output, /lastUpdate=Jun {2}1 11:00:00 2026 GMT/);
      assert.match(check.output, new RegExp(`nextUpdate=${new X509Certificate(ca.pem).validTo.replace(/ +/g, ' +')}`));
      assert.match(check.output, /crlNumber=0x02/);
    });
  });

  it('has no revoked entries and dates from the CA when nothing is revoked', async () => {
    const pair = await caKey;
    const ca = issueCaCertificate(
      {
        subject: { commonName: 'lab CA', organisation: 'test' },
        publicPem: pair.publicPem,
        serial: 1,
        notBefore: new Date('2026-01-01T00:00:00Z'),
        days: 3650,
      },
      pair.privatePem,
    );
    const crl = issueCrl({ caCertificatePem: ca.pem, caKeyPem: pair.privatePem, revoked: [] });
    assert.deepEqual(crlSerials(crl), []);
    await withTempDir((dir) => {
      const check = openssl(dir, ['crl', '-in', 'crl.pem', '-noout', '-text', '-CAfile', 'ca.crt'], { 'crl.pem': crl, 'ca.crt': ca.pem });
      assert.match(check.output, /verify OK/);
      assert.match(check.output, /Last Update: Jan {2}1 00:00:00 2026 GMT/);
      assert.match(check.output, /No Revoked Certificates/);
    });
  });
});
