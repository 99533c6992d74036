import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadState } from '../src/io/stateStore.js';
import { assertOpenVpnMeshConsistent, readBundles } from './support/bundleChecks.js';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';

const ANCESTOR = join(FIXTURES, 'ancestor/p2p-vpn');
const ancestorFile = (name: string): string => readFileSync(join(ANCESTOR, name), 'utf8');

/** The ancestor's pairs: number → [end 1, end 2]. */
const PAIRS: Record<number, [string, string]> = { 1: ['hq', 'branch'], 2: ['vpc-eu', 'hq'], 3: ['branch', 'vpc-eu'], 5: ['hq', 'vpc-us'] };

function option(conf: string, name: string): string | undefined {
  return new RegExp(`^${name}(?: (.*))?$`, 'm').exec(conf)?.[1] ?? (new RegExp(`^${name}$`, 'm').test(conf) ? '' : undefined);
}

function spkiOf(pem: string, kind: 'key' | 'cert'): Buffer {
  const key = kind === 'key' ? createPublicKey(createPrivateKey(pem)) : new X509Certificate(pem).publicKey;
  return key.export({ type: 'spki', format: 'der' });
}

describe('p2pvpn import', () => {
  it('keeps pair numbers, ends, ports, tunnel addresses, the CA and every gateway key through generate', () =>
    withTempDir((dir) => {
      const imported = runCli(['import', ANCESTOR, '--mesh', 'corp'], dir);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /Every gateway needs its new bundle once: .*tls-crypt/);
      assert.match(imported.stdout, /pairs P2P-VPN never made get new numbers from 6 at the next generate: branch - vpc-us, vpc-eu - vpc-us/);
      const generated = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(generated.code, 0, generated.stderr);

      const state = loadState(join(dir, 'lans.state'), 'corp').state.public;
      for (const [n, ends] of Object.entries(PAIRS)) assert.deepEqual(state.pairs.find((p) => p.number === Number(n))?.lans, ends, `pair ${n} keeps its ends`);
      assert.deepEqual(state.pairs.map((p) => p.number), [1, 2, 3, 5, 6, 7], 'the pairs P2P-VPN never made are numbered after its counter');
      assert.deepEqual(state.revoked.map((r) => [r.serial, r.name]), [[4, 'old-dc']]);
      assert.equal(state.ca!.nextSerial, 6);

      const bundles = readBundles(join(dir, 'out'));
      assertOpenVpnMeshConsistent(bundles);
      const caDer = new X509Certificate(ancestorFile('keys/ca.crt')).raw;
      for (const [lan, files] of bundles) {
        assert.ok(new X509Certificate(files.get('keys/ca.crt')!).raw.equals(caDer), `${lan}: the bundle's CA is P2P-VPN's`);
        const cert = files.get(`keys/${lan}.crt`)!.toString();
        assert.ok(new X509Certificate(cert).raw.equals(new X509Certificate(ancestorFile(`keys/${lan}.crt`)).raw), `${lan}: the certificate is P2P-VPN's`);
        assert.ok(spkiOf(files.get(`keys/${lan}.key`)!.toString(), 'key').equals(spkiOf(ancestorFile(`keys/${lan}.key`), 'key')), `${lan}: the key is P2P-VPN's`);
        const verify = execFileSync('openssl', ['verify', '-CAfile', join(ANCESTOR, 'keys/ca.crt')], { input: cert }).toString();
        assert.match(verify, /OK/);
      }
      for (const link of state.pairs) {
        link.lans.forEach((self, end) => {
          const peer = link.lans[1 - end]!;
          const conf = bundles.get(self)!.get(`openvpn/${peer}.conf`)!.toString();
          assert.equal(option(conf, 'lport'), String(11000 + link.number), `pair ${link.number} keeps port 11000 + ${link.number}`);
          assert.equal(option(conf, 'ifconfig'), `172.17.${link.number}.${end + 1} 172.17.${link.number}.${2 - end}`, `pair ${link.number} keeps P2P-VPN's tunnel addresses`);
          assert.equal(option(conf, end === 0 ? 'tls-client' : 'tls-server'), '', `end ${end + 1} of pair ${link.number} keeps its TLS role`);
        });
      }
    }));

  it('issues certificates for a LAN added later from the imported CA, with serials P2P-VPN never used', () =>
    withTempDir((dir) => {
      assert.equal(runCli(['import', ANCESTOR, '--mesh', 'corp'], dir).code, 0);
      appendFileSync(join(dir, 'lans.yaml'), '\n  - name: lab\n    subnets: [10.40.0.0/16]\n    gateway:\n      endpoint: lab.example.com\n      lanAddress: 10.40.0.1\n');
      const r = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(r.code, 0, r.stderr);
      const cert = readBundles(join(dir, 'out')).get('lab')!.get('keys/lab.crt')!.toString();
      assert.equal(new X509Certificate(cert).serialNumber, '06');
      assert.match(execFileSync('openssl', ['verify', '-CAfile', join(ANCESTOR, 'keys/ca.crt')], { input: cert }).toString(), /OK/);
      assertOpenVpnMeshConsistent(readBundles(join(dir, 'out')));
    }));

  it('refuses to overwrite an existing lans.yaml or state', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), 'mine\n');
      const r = runCli(['import', ANCESTOR, '--mesh', 'corp'], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'p2pvpn: lans.yaml already exists; import writes a new one, give another with --out\n');
      assert.deepEqual(readdirSync(dir), ['lans.yaml']);
      assert.equal(runCli(['import', ANCESTOR, '--mesh', 'corp', '--out', 'new.yaml', '--state', 's'], dir).code, 0);
      const again = runCli(['import', ANCESTOR, '--mesh', 'corp', '--out', 'other.yaml', '--state', 's'], dir);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /s already holds a p2pvpn state/);
      assert.equal(existsSync(join(dir, 'other.yaml')), false);
    }));

  const broken: [string, (root: string) => void, RegExp][] = [
    ['an end of a pair is missing', (root) => rmSync(join(root, 'servers/server_2_2.conf')), /servers\/server_2_\*\.conf: pair 2 lacks the config of end 2/],
    ['a port that is not 11000 + pair', (root) => writeFileSync(join(root, 'servers/server_3_1.conf'), ancestorFile('servers/server_3_1.conf').replace('lport 11003', 'lport 12003')), /server_3_1\.conf: "lport" is "12003", P2P-VPN's pair 3 end 1 to vpc-eu has "lport 11003"/],
    ['a key that is not its certificate\'s', (root) => writeFileSync(join(root, 'keys/hq.key'), ancestorFile('keys/branch.key')), /keys\/hq\.key: does not belong to hq\.crt/],
    ['a subnet that is not a /24 network', (root) => writeFileSync(join(root, 'cache.txt'), ancestorFile('cache.txt').replace('192.168.2.0', '192.168.2.7')), /cache\.txt:2: subnet "192\.168\.2\.7" is not a \/24 network address/],
    ['no CA key', (root) => rmSync(join(root, 'keys/ca.key')), /keys\/ca\.key: missing/],
    ['a link to the wrong pair', (root) => renameSync(join(root, 'servers/hq_5.conf'), join(root, 'servers/hq_4.conf')), /hq_4\.conf: points at "server_5_1\.conf"/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`refuses a folder with ${what}, writing nothing`, () =>
      withTempDir((dir) => {
        const root = join(dir, 'p2p-vpn');
        cpSync(ANCESTOR, root, { recursive: true, verbatimSymlinks: true });
        breakIt(root);
        const r = runCli(['import', root, '--mesh', 'corp'], dir);
        assert.equal(r.code, 1);
        assert.match(r.stderr, message);
        assert.match(r.stderr, /was not imported, nothing was written\n$/);
        assert.doesNotMatch(r.stderr, /PRIVATE KEY/);
        assert.deepEqual(readdirSync(dir), ['p2p-vpn']);
      }));
  }
});
