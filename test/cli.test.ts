import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';
import { readTarGz, type TarEntry } from './support/tar.js';

function copyExample(dir: string, backend: 'openvpn' | 'wireguard'): void {
  const text = readFileSync(join(FIXTURES, 'example', 'lans.yaml'), 'utf8').replace(/backend: \w+/, `backend: ${backend}`);
  writeFileSync(join(dir, 'lans.yaml'), text);
}

function bundles(dir: string): Map<string, TarEntry[]> {
  const out = join(dir, 'out');
  return new Map(
    readdirSync(out)
      .filter((f) => f.endsWith('.tar.gz'))
      .sort()
      .map((f) => [f.replace(/\.tar\.gz$/, ''), readTarGz(readFileSync(join(out, f)))]),
  );
}

function fileOf(entries: TarEntry[], name: string): string {
  const entry = entries.find((e) => e.name === name);
  assert.ok(entry, `${name} is in the bundle`);
  return entry.content.toString('utf8');
}

describe('p2pvpn command line', () => {
  it('answers --help with every command and the exit codes, exit 0', () => {
    const r = runCli(['--help'], FIXTURES);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /generate \[options\] <lans\.yaml>/);
    assert.match(r.stdout, /Exit codes:/);
  });

  it('exits 2 on a usage error and 1 on a missing file, without a stack trace', () => {
    assert.equal(runCli(['frobnicate'], FIXTURES).code, 2);
    assert.equal(runCli(['generate'], FIXTURES).code, 2);
    const missing = runCli(['generate', 'nope.yaml'], FIXTURES);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'p2pvpn: nope.yaml: no such file; create one with "p2pvpn init nope.yaml"\n');
  });

  for (const backend of ['openvpn', 'wireguard'] as const) {
    it(`${backend}: writes one tarball per gateway, byte-identical on a second run`, () =>
      withTempDir((dir) => {
        copyExample(dir, backend);
        const first = runCli(['generate', 'lans.yaml'], dir);
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /^new +out\/hq\.tar\.gz  3 peers: branch, vpc-eu, vpc-us$/m);
        const before = readdirSync(join(dir, 'out')).map((f) => readFileSync(join(dir, 'out', f)));
        const second = runCli(['generate', 'lans.yaml'], dir);
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stdout, /^unchanged +out\/hq\.tar\.gz/m);
        const after = readdirSync(join(dir, 'out')).map((f) => readFileSync(join(dir, 'out', f)));
        assert.equal(after.length, 5, 'four tarballs and inventory.yml');
        for (const [i, bytes] of after.entries()) assert.ok(bytes.equals(before[i]!), 'same bytes');
        assert.equal(statSync(join(dir, 'lans.state')).mode & 0o777, 0o700);
        assert.equal(statSync(join(dir, 'lans.state', 'secrets.json')).mode & 0o777, 0o600);
        assert.equal(statSync(join(dir, 'out', 'hq.tar.gz')).mode & 0o777, 0o600);
      }));

    it(`${backend}: bundles stay inside their folder, keys 0600, scripts 0755, owned by root, no links`, () =>
      withTempDir((dir) => {
        copyExample(dir, backend);
        assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
        for (const [lan, entries] of bundles(dir)) {
          for (const e of entries) {
            assert.ok(e.name === `${lan}/` || e.name.startsWith(`${lan}/`), `${e.name} is inside ${lan}/`);
            assert.ok(!e.name.split('/').includes('..'), `${e.name} does not leave the folder`);
            assert.notEqual(e.type, 'other', `${e.name} is a plain file or folder`);
            assert.equal(e.uid, 0);
            assert.equal(e.mtime, entries[0]!.mtime, 'fixed times');
            const want = e.type === 'directory' ? 0o755 : /\.key$|wireguard\//.test(e.name) ? 0o600 : /\.sh$/.test(e.name) ? 0o755 : 0o644;
            assert.equal(e.mode, want, `${e.name} mode`);
          }
          assert.ok(!entries.some((e) => /ca\.key$/.test(e.name)), 'no CA key');
        }
      }));
  }

  it('openvpn: every certificate verifies against the CA with openssl, and the CA key is in no bundle', () =>
    withTempDir((dir) => {
      copyExample(dir, 'openvpn');
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const caKey = JSON.parse(readFileSync(join(dir, 'lans.state', 'secrets.json'), 'utf8')).caKey as string;
      for (const [lan, entries] of bundles(dir)) {
        writeFileSync(join(dir, 'ca.crt'), fileOf(entries, `${lan}/keys/ca.crt`));
        writeFileSync(join(dir, 'gw.crt'), fileOf(entries, `${lan}/keys/${lan}.crt`));
        const verify = spawnSync('openssl', ['verify', '-CAfile', 'ca.crt', '-purpose', 'sslserver', 'gw.crt'], { cwd: dir, encoding: 'utf8' });
        assert.equal(verify.stdout.trim(), 'gw.crt: OK', verify.stderr);
        const subject = spawnSync('openssl', ['x509', '-in', 'gw.crt', '-noout', '-subject'], { cwd: dir, encoding: 'utf8' });
        assert.match(subject.stdout, new RegExp(`CN ?= ?${lan}$`, 'm'));
        const keyBody = caKey.split('\n').slice(1, 4).join('\n');
        assert.ok(
          entries.every((e) => !e.content.toString('utf8').includes(keyBody)),
          `CA key is not in ${lan}'s bundle`,
        );
      }
    }));

  it('wireguard: every public key a peer uses derives, with wg pubkey, from the private key in its own bundle', () =>
    withTempDir((dir) => {
      copyExample(dir, 'wireguard');
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const all = bundles(dir);
      const publicOf = new Map<string, string>();
      for (const [lan, entries] of all) {
        const conf = fileOf(entries, `${lan}/wireguard/wg-acme.conf`);
        const priv = /^PrivateKey = (\S+)$/m.exec(conf)![1]!;
        const derived = spawnSync('wg', ['pubkey'], { input: `${priv}\n`, encoding: 'utf8' });
        assert.equal(derived.status, 0, 'wg pubkey accepts the private key');
        publicOf.set(lan, derived.stdout.trim());
      }
      for (const [lan, entries] of all) {
        const conf = fileOf(entries, `${lan}/wireguard/wg-acme.conf`);
        for (const block of conf.split('[Peer]').slice(1)) {
          const peer = /^# (\S+)$/m.exec(conf.slice(0, conf.indexOf(block)).split('\n').slice(-3).join('\n'))?.[1];
          const key = /^PublicKey = (\S+)$/m.exec(block)![1]!;
          assert.ok(peer && publicOf.get(peer) === key, `${lan}'s key for ${peer} matches ${peer}'s private key`);
        }
      }
    }));

  for (const backend of ['openvpn', 'wireguard'] as const) {
    it(`${backend}: adding a fifth LAN keeps every existing number, port, address and key`, () =>
      withTempDir((dir) => {
        copyExample(dir, backend);
        assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
        const before = JSON.parse(readFileSync(join(dir, 'lans.state', 'mesh.json'), 'utf8'));
        const secretsBefore = readFileSync(join(dir, 'lans.state', 'secrets.json'), 'utf8');
        const confsBefore = bundles(dir);
        const extra = '\n  - name: lab\n    subnets: [192.168.50.0/24]\n    gateway:\n      endpoint: 198.51.100.50\n      lanAddress: 192.168.50.1\n';
        // Put the new LAN first: file order must not matter.
        const text = readFileSync(join(dir, 'lans.yaml'), 'utf8').replace('lans:\n', `lans:${extra}\n`);
        writeFileSync(join(dir, 'lans.yaml'), text);
        const r = runCli(['generate', 'lans.yaml'], dir);
        assert.equal(r.code, 0, r.stderr);
        const after = JSON.parse(readFileSync(join(dir, 'lans.state', 'mesh.json'), 'utf8'));
        for (const [name, record] of Object.entries(before.lans)) assert.deepEqual(after.lans[name], record, `${name} keeps its number and keys`);
        for (const pair of before.pairs)
          assert.ok(
            after.pairs.some((p: { number: number; lans: string[] }) => p.number === pair.number && p.lans.join() === pair.lans.join()),
            `pair ${pair.number} kept`,
          );
        assert.equal(after.lans.lab.number, 5);
        const secretsAfter = JSON.parse(readFileSync(join(dir, 'lans.state', 'secrets.json'), 'utf8'));
        const old = JSON.parse(secretsBefore);
        for (const [name, s] of Object.entries(old.lans)) assert.ok(JSON.stringify(secretsAfter.lans[name]) === JSON.stringify(s), `${name}'s keys unchanged`);
        for (const [n, s] of Object.entries(old.pairs)) assert.ok(JSON.stringify(secretsAfter.pairs[n]) === JSON.stringify(s), `pair ${n}'s keys unchanged`);
        // Every existing tunnel config keeps its lines; the new LAN only adds.
        const confsAfter = bundles(dir);
        for (const [lan, entries] of confsBefore) {
          for (const e of entries.filter((x) => x.name.endsWith('.conf') && x.name.includes('/openvpn/'))) {
            assert.equal(fileOf(confsAfter.get(lan)!, e.name), e.content.toString('utf8'), `${e.name} unchanged`);
          }
        }
        assert.equal(confsAfter.size, 5);
      }));
  }

  it('refuses bad input with a positioned message, exit 1, and writes nothing', () =>
    withTempDir((dir) => {
      copyExample(dir, 'wireguard');
      const text = readFileSync(join(dir, 'lans.yaml'), 'utf8').replace('[10.30.0.0/22]', '[10.10.4.0/22]');
      writeFileSync(join(dir, 'lans.yaml'), text);
      const r = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        [
          '2 errors:',
          'lans.yaml:33:15: lans[3].subnets[0]: 10.10.4.0/22 overlaps 10.10.0.0/16 of lans[0] (hq), subnets of a mesh must not overlap',
          'lans.yaml:37:19: lans[3].gateway.lanAddress: 10.30.0.10 is not inside any subnet of vpc-us (10.10.4.0/22),' +
            " give the gateway's address on its own LAN",
          '',
        ].join('\n'),
      );
      assert.deepEqual(readdirSync(dir).sort(), ['lans.yaml']);
    }));
});
