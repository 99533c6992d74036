import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadState } from '../src/io/stateStore.js';
import { ANCESTOR, ancestorFile, copyAncestor } from './support/ancestor.js';
import { assertOpenVpnMeshConsistent, readBundles } from './support/bundleChecks.js';
import { runCli, withTempDir } from './support/cli.js';
import { handshakeUnavailable, openvpnHandshake } from './support/handshake.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

function option(conf: string, name: string): string | undefined {
  return new RegExp(`^${name}(?: (.*))?$`, 'm').exec(conf)?.[1] ?? (new RegExp(`^${name}$`, 'm').test(conf) ? '' : undefined);
}

function spki(pem: string): Buffer {
  return createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
}

/** The certificates of a PEM bundle (keys/ca.crt lists several). */
function certificates(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g) ?? []).map((c) => new X509Certificate(c));
}

/** full-10's pairs, made 1-2, 1-3, ... 9-10: pair number → [end 1, end 2]. */
function full10Pairs(): Map<number, [string, string]> {
  const pairs = new Map<number, [string, string]>();
  for (let a = 1, n = 1; a <= 10; a++) for (let b = a + 1; b <= 10; b++) pairs.set(n++, [`lan${a}`, `lan${b}`]);
  return pairs;
}

function importAndGenerate(dir: string, folder: string): Map<string, Map<string, Buffer>> {
  const imported = runCli(['import', folder, '--mesh', 'corp'], dir);
  assert.equal(imported.code, 0, imported.stderr);
  const generated = runCli(['generate', 'lans.yaml'], dir);
  assert.equal(generated.code, 0, generated.stderr);
  return readBundles(join(dir, 'out'));
}

describe('p2pvpn import of genuine P2P-VPN folders', () => {
  it('keeps every pair, port, address, TLS role, the CA and every key of full-10, whose links arrive as text stand-ins', () =>
    withTempDir((dir) => {
      const bundles = importAndGenerate(dir, join(ANCESTOR, 'full-10'));
      const state = loadState(join(dir, 'lans.state'), 'corp').state.public;
      const expected = full10Pairs();
      assert.deepEqual(new Map(state.pairs.map((p) => [p.number, p.lans])), expected, 'all 45 pairs keep their numbers and ends');
      assert.equal(state.nextPair, 46);
      assertOpenVpnMeshConsistent(bundles);
      const oldCa = new X509Certificate(ancestorFile('full-10', 'keys/ca.crt'));
      for (const [lan, files] of bundles) {
        assert.ok(certificates(files.get('keys/ca.crt')!.toString())[0]!.raw.equals(oldCa.raw), `${lan}: the bundle's CA is P2P-VPN's`);
        const cert = files.get(`keys/${lan}.crt`)!.toString();
        assert.ok(
          new X509Certificate(cert).raw.equals(new X509Certificate(ancestorFile('full-10', `keys/${lan}.crt`)).raw),
          `${lan}: the certificate is P2P-VPN's`,
        );
        assert.ok(spki(files.get(`keys/${lan}.key`)!.toString()).equals(spki(ancestorFile('full-10', `keys/${lan}.key`))), `${lan}: the key is P2P-VPN's`);
        assert.match(execFileSync('openssl', ['verify', '-CAfile', join(ANCESTOR, 'full-10/keys/ca.crt')], { input: cert }).toString(), /: OK$/m);
      }
      for (const [number, ends] of expected) {
        ends.forEach((self, end) => {
          const peer = ends[1 - end]!;
          const conf = bundles.get(self)!.get(`openvpn/${peer}.conf`)!.toString();
          assert.equal(option(conf, 'lport'), String(11000 + number), `pair ${number} keeps port 11000 + ${number}`);
          assert.equal(option(conf, 'ifconfig'), `172.17.${number}.${end + 1} 172.17.${number}.${2 - end}`, `pair ${number} keeps P2P-VPN's tunnel addresses`);
          assert.equal(option(conf, end === 0 ? 'tls-client' : 'tls-server'), '', `end ${end + 1} of pair ${number} keeps its TLS role`);
          // The peer's certificate has no extendedKeyUsage: checked by exact name, CA and CRL instead.
          assert.equal(option(conf, 'remote-cert-tls'), undefined);
          assert.equal(option(conf, 'verify-x509-name'), `${peer} name`);
          assert.equal(option(conf, 'ca'), 'keys/ca.crt');
          assert.equal(option(conf, 'crl-verify'), 'keys/crl.pem');
          assert.equal(option(conf, 'tls-remote'), undefined);
        });
      }
      assert.match(readFileSync(join(dir, 'lans.yaml'), 'utf8'), /^ {4}organisation: Bench +#/m, "the lans.yaml keeps the CA's O=");
    }));

  it('reads real symlinks and their text stand-ins alike: partial-4 gives the same state either way', () =>
    withTempDir((dir) => {
      const states = ['stand-ins', 'symlinks'].map((kind) => {
        const work = mkdtempSync(join(dir, `${kind}-`));
        const folder = copyAncestor('partial-4', join(work, 'p2p-vpn'), { symlinks: kind === 'symlinks' });
        const r = runCli(['import', folder, '--mesh', 'corp'], work);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /pairs P2P-VPN never made get new numbers from 5 at the next generate: lan2 - lan4, lan1 - lan4/);
        return ['mesh.json', 'secrets.json'].map((f) => readFileSync(join(work, 'lans.state', f), 'utf8'));
      });
      assert.deepEqual(states[0], states[1]);
      const pub = JSON.parse(states[0]![0]!) as { pairs: { number: number; lans: string[] }[]; lans: Record<string, { number: number }> };
      // Made as 2-1, 1-3, 3-2, 4-3: end 1 is the higher LAN in three of them, and stays the TLS client.
      assert.deepEqual(
        pub.pairs.map((p) => [p.number, ...p.lans]),
        [
          [1, 'lan2', 'lan1'],
          [2, 'lan1', 'lan3'],
          [3, 'lan3', 'lan2'],
          [4, 'lan4', 'lan3'],
        ],
      );
      assert.deepEqual(Object.keys(pub.lans), ['lan2', 'lan1', 'lan3', 'lan4'], 'LANs numbered in cache.txt order');
    }));

  it('issues a LAN added later a certificate from the imported CA with its subject fields and both EKUs; only its peers are checked for EKU', () =>
    withTempDir((dir) => {
      const folder = copyAncestor('partial-4', join(dir, 'p2p-vpn'));
      assert.equal(runCli(['import', folder, '--mesh', 'corp'], dir).code, 0);
      appendFileSync(
        join(dir, 'lans.yaml'),
        '\n  - name: lab\n    subnets: [10.40.0.0/16]\n    gateway:\n      endpoint: lab.example.com\n      lanAddress: 10.40.0.1\n',
      );
      const r = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(r.code, 0, r.stderr);
      const bundles = readBundles(join(dir, 'out'));
      assertOpenVpnMeshConsistent(bundles);
      const cert = new X509Certificate(bundles.get('lab')!.get('keys/lab.crt')!);
      assert.equal(cert.subject, 'C=AU\nST=Western Australia\nL=Perth\nO=Bench\nCN=lab\nemailAddress=alastair@warpspace.net');
      assert.equal(cert.issuer, new X509Certificate(ancestorFile('partial-4', 'keys/ca.crt')).subject);
      assert.deepEqual([...cert.keyUsage!].sort(), [SERVER_AUTH, CLIENT_AUTH].sort());
      // Serial 5 went to the standby CA, the next to lab: above every serial P2P-VPN issued.
      assert.equal(cert.serialNumber, '06');
      assert.match(execFileSync('openssl', ['verify', '-CAfile', join(folder, 'keys/ca.crt')], { input: cert.toString() }).toString(), /: OK$/m);
      assert.equal(
        option(bundles.get('lan1')!.get('openvpn/lab.conf')!.toString(), 'remote-cert-tls'),
        'server',
        "lab's certificate has EKU: its peers demand it",
      );
      assert.equal(option(bundles.get('lab')!.get('openvpn/lan1.conf')!.toString(), 'remote-cert-tls'), undefined, "lan1's has none");
    }));

  const noHandshake = handshakeUnavailable();
  it(
    'real OpenVPN: an imported pair connects with its original EKU-less keys, and refuses a certificate of another name from the same CA',
    { skip: process.env['P2PVPN_E2E'] === 'required' ? false : (noHandshake ?? false) },
    () =>
      withTempDir((dir) => {
        const bundles = importAndGenerate(dir, copyAncestor('partial-4', join(dir, 'p2p-vpn')));
        // Pair 1: lan2 is end 1 (tls-client), lan1 end 2.
        const [lan2, lan1] = [bundles.get('lan2')!, bundles.get('lan1')!];
        const up = openvpnHandshake(mkdtempSync(join(dir, 'live-')), { lan: 'lan2', files: lan2 }, { lan: 'lan1', files: lan1 });
        assert.ok(up.connected, `lan2 and lan1 connect:\n${up.a}${up.b}`);
        assert.match(up.b, /VERIFY OK: depth=1, C=AU, ST=Western Australia, L=Perth, O=Bench, emailAddress=alastair@warpspace\.net/);
        assert.match(up.b, /VERIFY X509NAME OK: .*CN=lan2/);
        assert.doesNotMatch(up.a + up.b, /VERIFY EKU/, 'no extendedKeyUsage is demanded of certificates that have none');
        // lan3's own certificate and key, from the same CA, on lan2's end of the link with lan2's link key.
        const lan3 = bundles.get('lan3')!;
        const impostor = new Map([...lan2, ['keys/other.crt', lan3.get('keys/lan3.crt')!], ['keys/other.key', lan3.get('keys/lan3.key')!]]);
        const refused = openvpnHandshake(
          mkdtempSync(join(dir, 'live-')),
          { lan: 'lan2', files: impostor, extraArgs: '--cert keys/other.crt --key keys/other.key' },
          { lan: 'lan1', files: lan1 },
        );
        assert.ok(!refused.connected, 'a certificate of another name does not connect');
        assert.match(refused.b, /VERIFY X509NAME ERROR: .*CN=lan3.*, must be lan2/);
      }),
  );

  it('replaces a certificate TLS would refuse in one of its roles, revokes it in every CRL, and says so', () =>
    withTempDir((dir) => {
      const folder = copyAncestor('partial-4', join(dir, 'p2p-vpn'));
      const keys = join(folder, 'keys');
      // lan4's key certified again for TLS clients only: as a server (end 2 of no pair, but of every new one) TLS refuses it.
      writeFileSync(join(dir, 'ext'), 'extendedKeyUsage = clientAuth\n');
      execFileSync(
        'openssl',
        [
          'x509',
          '-req',
          '-in',
          join(keys, 'lan4.csr'),
          '-CA',
          join(keys, 'ca.crt'),
          '-CAkey',
          join(keys, 'ca.key'),
          '-set_serial',
          '9',
          '-days',
          '3650',
          '-extfile',
          join(dir, 'ext'),
          '-out',
          join(keys, 'lan4.crt'),
        ],
        { stdio: 'ignore' },
      );
      const r = runCli(['import', folder, '--mesh', 'corp'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /lan4 gets a new key and certificate: its certificate's extendedKeyUsage does not allow both TLS server and client/);
      assert.match(r.stdout, /revoked \(in every bundle's CRL\): lan4 \(serial 9\)/);
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const bundles = readBundles(join(dir, 'out'));
      assertOpenVpnMeshConsistent(bundles);
      const files = bundles.get('lan3')!;
      writeFileSync(join(dir, 'ca.crt'), files.get('keys/ca.crt')!);
      writeFileSync(join(dir, 'crl.pem'), files.get('keys/crl.pem')!);
      const old = spawnSync('openssl', ['verify', '-crl_check', '-CAfile', join(dir, 'ca.crt'), '-CRLfile', join(dir, 'crl.pem'), join(keys, 'lan4.crt')], {
        encoding: 'utf8',
      });
      assert.notEqual(old.status, 0, 'the replaced certificate no longer verifies');
      assert.match(old.stdout + old.stderr, /certificate revoked/);
    }));

  it('keeps the revocations index.txt records, as openssl ca -revoke leaves them, and serials above them', () =>
    withTempDir((dir) => {
      const folder = copyAncestor('partial-4', join(dir, 'p2p-vpn'));
      // A gateway certified and revoked since, whose files were deleted: only the CA database remembers it.
      appendFileSync(
        join(folder, 'keys/index.txt'),
        'R\t361201130736Z\t261204140000Z\t05\tunknown\t/C=AU/ST=Western Australia/L=Perth/O=Bench/CN=old/emailAddress=alastair@warpspace.net\n',
      );
      writeFileSync(join(folder, 'keys/serial'), '06\n');
      const r = runCli(['import', 'p2p-vpn', '--mesh', 'corp'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /revoked \(in every bundle's CRL\): old \(serial 5\)/);
      const state = loadState(join(dir, 'lans.state'), 'corp').state.public;
      assert.deepEqual(state.revoked, [{ serial: 5, name: 'old', date: '2026-12-04T14:00:00.000Z' }]);
      assert.equal(state.ca!.nextSerial, 6);
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const files = readBundles(join(dir, 'out')).get('lan1')!;
      writeFileSync(join(dir, 'crl.pem'), files.get('keys/crl.pem')!);
      assert.match(execFileSync('openssl', ['crl', '-in', join(dir, 'crl.pem'), '-noout', '-text'], { encoding: 'utf8' }), /Serial Number: 05/);
    }));

  it('refuses to overwrite an existing lans.yaml or state', () =>
    withTempDir((dir) => {
      const folder = join(ANCESTOR, 'partial-4');
      writeFileSync(join(dir, 'lans.yaml'), 'mine\n');
      const r = runCli(['import', folder, '--mesh', 'corp'], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'p2pvpn: lans.yaml already exists; import writes a new one, give another with --out\n');
      assert.deepEqual(readdirSync(dir), ['lans.yaml']);
      assert.equal(runCli(['import', folder, '--mesh', 'corp', '--out', 'new.yaml', '--state', 's'], dir).code, 0);
      const again = runCli(['import', folder, '--mesh', 'corp', '--out', 'other.yaml', '--state', 's'], dir);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /s already holds a p2pvpn state/);
      assert.equal(existsSync(join(dir, 'other.yaml')), false);
    }));
});
