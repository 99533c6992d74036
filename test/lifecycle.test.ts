import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './support/cli.js';
import { handshakeUnavailable, openvpnHandshake } from './support/handshake.js';
import { lines } from './support/lines.js';
import { fileChanges, onlyAddsLines, openssl, readOut, runInProcess, snapshot, writeLans } from './support/mesh.js';

const FOUR = ['hq', 'branch', 'vpc-eu', 'vpc-us'];
const FIVE = [...FOUR, 'branch-2'];
const WITHOUT_VPC_US = ['hq', 'branch', 'vpc-eu', 'branch-2'];
/** The firewall rules name every peer: a LAN that comes or goes changes them in every bundle. */
const GATEWAY_FILES = ['firewall/rules.iptables', 'firewall/rules.nft'];

function readState(dir: string): { pub: string; secrets: string } {
  return { pub: readFileSync(join(dir, 'lans.state/mesh.json'), 'utf8'), secrets: readFileSync(join(dir, 'lans.state/secrets.json'), 'utf8') };
}

interface Secrets {
  lans: Record<string, unknown>;
  pairs: Record<string, unknown>;
}

function pairsWithout(dir: string, lan: string): Map<string, string> {
  const pub = JSON.parse(readState(dir).pub) as { pairs: { number: number; lans: string[] }[] };
  const secrets = JSON.parse(readState(dir).secrets) as Secrets;
  return new Map(pub.pairs.filter((p) => !p.lans.includes(lan)).map((p) => [p.lans.join('+'), JSON.stringify(secrets.pairs[p.number])]));
}

function lanSecrets(dir: string): Secrets['lans'] {
  return (JSON.parse(readState(dir).secrets) as Secrets).lans;
}

/** Runs a command in-process and checks its exit code; on failure shows its messages (which never hold key material). */
async function ok(dir: string, args: string[], code = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await runInProcess(args, dir);
  assert.equal(r.code, code, `p2pvpn ${args.join(' ')} exits ${code}: ${r.stderr}`);
  return r;
}

describe('changing an OpenVPN mesh: add, remove, rotate', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'p2pvpn-lifecycle-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('plans a new mesh without creating a secret, then generates it; plan then says nothing would change (exit 0)', async () => {
    writeLans(dir, 'openvpn', FOUR);
    const first = await ok(dir, ['plan', 'lans.yaml'], 3);
    assert.match(first.stdout, /^new +out\/hq\.tar\.gz  3 peers: branch, vpc-eu, vpc-us$/m);
    assert.ok(!existsSync(join(dir, 'lans.state')) && !existsSync(join(dir, 'out')), 'plan wrote nothing');
    await ok(dir, ['generate', 'lans.yaml']);
    const again = await ok(dir, ['plan', 'lans.yaml'], 0);
    assert.match(again.stdout, /^unchanged +out\/vpc-us\.tar\.gz/m);
    assert.match(again.stdout, /^Nothing would change\.$/m);
    assert.match(again.stdout, /^ {2}CA +serial 1 +expires \d{4}-\d\d-\d\d \(in 36\d\d days\)$/m);
  });

  it('plans a fifth LAN in words, exit 3, and writes nothing', async () => {
    writeLans(dir, 'openvpn', FIVE);
    const state = readState(dir);
    const out = await readOut(join(dir, 'out'));
    const r = await ok(dir, ['plan', 'lans.yaml'], 3);
    const hq = r.stdout.split('\n').slice(
      r.stdout.split('\n').findIndex((l) => l.startsWith('changed   out/hq.tar.gz')),
      -1,
    );
    assert.deepEqual(hq.slice(0, 4), [
      'changed   out/hq.tar.gz  4 peers: branch, vpc-eu, vpc-us, branch-2',
      '            peer added: branch-2',
      '            route added: 10.40.0.0/16 (via branch-2)',
      '            port opened: 11007/udp',
    ]);
    assert.match(r.stdout, /^new +out\/branch-2\.tar\.gz  4 peers: hq, branch, vpc-eu, vpc-us$/m);
    assert.match(r.stdout, /^Bundles: 1 new, 4 changed, 0 removed, 0 unchanged\./m);
    assert.deepEqual(readState(dir), state, 'plan left the state alone');
    assert.deepEqual(await readOut(join(dir, 'out')), out, 'plan left out/ alone');
  });

  it('adds the fifth LAN: each bundle gains a peer config and link key; README, up.sh, firewall, routes and install.sh only gain lines', async () => {
    const old = await readOut(join(dir, 'out'));
    const oldPairs = pairsWithout(dir, 'branch-2');
    const oldLans = lanSecrets(dir);
    const r = await ok(dir, ['generate', 'lans.yaml']);
    assert.match(
      r.stdout,
      /^changed +out\/vpc-us\.tar\.gz.*\n {12}peer added: branch-2\n {12}route added: 10\.40\.0\.0\/16 \(via branch-2\)\n {12}port opened: 11010\/udp$/m,
    );
    const now = await readOut(join(dir, 'out'));
    for (const lan of FOUR) {
      const changes = fileChanges(old.get(lan)!, now.get(lan)!);
      assert.deepEqual(
        changes,
        {
          added: ['keys/tls-crypt/branch-2.key', 'openvpn/branch-2.conf'],
          removed: [],
          changed: ['README', ...GATEWAY_FILES, 'install.sh', 'routes.txt', 'status.sh', 'up.sh'],
        },
        lan,
      );
      for (const path of changes.changed)
        assert.ok(onlyAddsLines(old.get(lan)!.get(path)!.toString(), now.get(lan)!.get(path)!.toString()), `${lan}/${path} only gains lines`);
    }
    assert.deepEqual(pairsWithout(dir, 'branch-2'), oldPairs, 'existing links keep their keys');
    for (const lan of FOUR) assert.ok(JSON.stringify(lanSecrets(dir)[lan]) === JSON.stringify(oldLans[lan]), `${lan} keeps its key`);
  });

  it('removes a LAN: its links leave every bundle and the CRL every bundle ships revokes its certificate (openssl)', async () => {
    const old = await readOut(join(dir, 'out'));
    writeLans(dir, 'openvpn', WITHOUT_VPC_US);
    const plan = await ok(dir, ['plan', 'lans.yaml'], 3);
    assert.match(
      plan.stdout,
      lines(
        'm',
        String.raw`^changed +out\/hq\.tar\.gz.*`,
        ' {12}peer removed: vpc-us, certificate revoked',
        String.raw` {12}route removed: 10\.30\.0\.0\/22 \(was via vpc-us\)`,
        String.raw` {12}port closed: 11003\/udp$`,
      ),
    );
    assert.match(plan.stdout, /^removed +out\/vpc-us\.tar\.gz/m);
    await ok(dir, ['generate', 'lans.yaml']);
    assert.ok(!existsSync(join(dir, 'out/vpc-us.tar.gz')), 'the removed LAN bundle is deleted');
    const now = await readOut(join(dir, 'out'));
    for (const lan of WITHOUT_VPC_US) {
      const changes = fileChanges(old.get(lan)!, now.get(lan)!);
      assert.deepEqual(
        changes,
        {
          added: [],
          removed: ['keys/tls-crypt/vpc-us.key', 'openvpn/vpc-us.conf'],
          changed: ['README', ...GATEWAY_FILES, 'install.sh', 'keys/crl.pem', 'routes.txt', 'status.sh', 'up.sh'],
        },
        lan,
      );
      for (const [path, bytes] of now.get(lan)!) assert.ok(!bytes.includes('vpc-us'), `${lan}/${path} no longer names vpc-us`);
    }
    const hq = now.get('hq')!;
    const files = {
      'ca.crt': hq.get('keys/ca.crt')!,
      'crl.pem': hq.get('keys/crl.pem')!,
      'gone.crt': old.get('vpc-us')!.get('keys/vpc-us.crt')!,
      'live.crt': hq.get('keys/hq.crt')!,
    };
    assert.match(openssl(dir, ['crl', '-in', 'crl.pem', '-noout', '-CAfile', 'ca.crt'], files).output, /verify OK/);
    const nextUpdate = openssl(dir, ['crl', '-in', 'crl.pem', '-noout', '-nextupdate'], {}).output.replace('nextUpdate=', '');
    assert.equal(
      nextUpdate,
      openssl(dir, ['x509', '-in', 'ca.crt', '-noout', '-enddate'], {}).output.replace('notAfter=', ''),
      'the CRL lasts as long as the CA',
    );
    const gone = openssl(dir, ['verify', '-crl_check', '-CAfile', 'ca.crt', '-CRLfile', 'crl.pem', 'gone.crt'], {});
    assert.notEqual(gone.code, 0);
    assert.match(gone.output, /certificate revoked/);
    assert.equal(openssl(dir, ['verify', '-crl_check', '-CAfile', 'ca.crt', '-CRLfile', 'crl.pem', 'live.crt'], {}).code, 0);
    const conf = hq.get('openvpn/branch.conf')!.toString();
    assert.match(conf, /^crl-verify keys\/crl\.pem$/m);
    await ok(dir, ['plan', 'lans.yaml'], 0);
  });

  it('rotates one gateway: new key, certificate and link keys; other links and files stay byte-identical', async () => {
    snapshot(join(dir, 'out'), join(dir, 'deployed'));
    const old = await readOut(join(dir, 'out'));
    const oldPairs = pairsWithout(dir, 'hq');
    const oldLans = lanSecrets(dir);
    const r = await ok(dir, ['rotate', 'lans.yaml', 'hq']);
    assert.match(
      r.stdout,
      lines(
        'm',
        String.raw`^changed +out\/hq\.tar\.gz.*`,
        ' {12}link key rotated: branch',
        ' {12}link key rotated: vpc-eu',
        ' {12}link key rotated: branch-2',
        ' {12}key rotated: new certificate, serial 8',
        '',
      ),
    );
    assert.match(r.stdout, /^changed +out\/branch\.tar\.gz.*\n {12}link key rotated: hq\n {12}certificate revoked: serial 3 \(hq\)$/m);
    assert.deepEqual(pairsWithout(dir, 'hq'), oldPairs, 'links without hq keep their keys');
    for (const lan of WITHOUT_VPC_US.slice(1)) assert.ok(JSON.stringify(lanSecrets(dir)[lan]) === JSON.stringify(oldLans[lan]), `${lan} keeps its key`);
    assert.ok(JSON.stringify(lanSecrets(dir)['hq']) !== JSON.stringify(oldLans['hq']), 'hq has a new key');
    const now = await readOut(join(dir, 'out'));
    for (const lan of WITHOUT_VPC_US.slice(1)) {
      assert.deepEqual(fileChanges(old.get(lan)!, now.get(lan)!), { added: [], removed: [], changed: ['keys/crl.pem', 'keys/tls-crypt/hq.key'] }, lan);
    }
    assert.deepEqual(fileChanges(old.get('hq')!, now.get('hq')!).changed, [
      'keys/crl.pem',
      'keys/hq.crt',
      'keys/hq.key',
      'keys/tls-crypt/branch-2.key',
      'keys/tls-crypt/branch.key',
      'keys/tls-crypt/vpc-eu.key',
    ]);
    const files = {
      'ca.crt': now.get('hq')!.get('keys/ca.crt')!,
      'crl.pem': now.get('branch')!.get('keys/crl.pem')!,
      'old.crt': old.get('hq')!.get('keys/hq.crt')!,
      'new.crt': now.get('hq')!.get('keys/hq.crt')!,
    };
    assert.match(openssl(dir, ['verify', '-crl_check', '-CAfile', 'ca.crt', '-CRLfile', 'crl.pem', 'old.crt'], files).output, /certificate revoked/);
    assert.equal(openssl(dir, ['verify', '-crl_check', '-CAfile', 'ca.crt', '-CRLfile', 'crl.pem', 'new.crt'], {}).code, 0);

    // The real binary, for its exit status: 3 while bundles are pending.
    const stale = runCli(['plan', 'lans.yaml', '--out', 'deployed', '--json'], dir);
    assert.equal(stale.code, 3);
    const plan = JSON.parse(stale.stdout) as { kind: string; gateways: { lan: string; verdict: string; reasons: { kind: string }[] }[] };
    assert.equal(plan.kind, 'p2pvpn-plan');
    assert.deepEqual(
      plan.gateways.find((g) => g.lan === 'vpc-eu')?.reasons.map((x) => x.kind),
      ['link-key-rotated', 'certificate-revoked'],
    );
    assert.equal(runCli(['plan', 'lans.yaml'], dir).code, 0);
  });

  const noHandshake = handshakeUnavailable();
  it('OpenVPN loads the CRL, connects with the new certificate and refuses the revoked one (real handshakes)', {
    skip: process.env['P2PVPN_E2E'] === 'required' ? false : (noHandshake ?? false),
  }, async () => {
    const now = await readOut(join(dir, 'out'));
    const old = await readOut(join(dir, 'deployed'));
    const hq = now.get('hq')!;
    const branch = now.get('branch')!;
    const live = openvpnHandshake(mkdtempSync(join(dir, 'live-')), { lan: 'hq', files: hq }, { lan: 'branch', files: branch });
    assert.match(live.b, /CRL: loaded 2 CRLs from file keys\/crl\.pem/);
    assert.ok(live.connected, `the rotated hq and branch connect:\n${live.a}${live.b}`);
    // The revoked certificate with the link's current tls-crypt key: only the CRL stands in the way.
    const revokedFiles = new Map([...hq, ['keys/old.crt', old.get('hq')!.get('keys/hq.crt')!], ['keys/old.key', old.get('hq')!.get('keys/hq.key')!]]);
    const refused = openvpnHandshake(
      mkdtempSync(join(dir, 'live-')),
      { lan: 'hq', files: revokedFiles, extraArgs: '--cert keys/old.crt --key keys/old.key' },
      { lan: 'branch', files: branch },
    );
    assert.ok(!refused.connected, 'the revoked certificate does not connect');
    assert.match(refused.b, /VERIFY ERROR: depth=0, error=certificate revoked/);
  });

  it('refuses bad input with exit 1: an unknown LAN to rotate, an invalid lans.yaml to plan', () => {
    const unknown = runCli(['rotate', 'lans.yaml', 'vpc-us'], dir);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'p2pvpn: lans.yaml: no LAN named "vpc-us"; its LANs are hq, branch, vpc-eu, branch-2\n');
    writeFileSync(join(dir, 'bad.yaml'), 'mesh:\n  name: lab\n  backend: ipsec\nlans: []\n');
    const bad = runCli(['plan', 'bad.yaml'], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^bad\.yaml:3:\d+: mesh\.backend: /m);
    assert.equal(bad.stdout, '');
  });
});

describe('changing a WireGuard mesh: add, remove, rotate', () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2pvpn-lifecycle-'));
    writeLans(dir, 'wireguard', FOUR);
    await ok(dir, ['generate', 'lans.yaml']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = 'wireguard/wg-lab.conf';

  it('adds a fifth LAN: wg.conf gains one [Peer], README, up.sh, firewall and routes only gain lines, nothing else changes', async () => {
    const old = await readOut(join(dir, 'out'));
    writeLans(dir, 'wireguard', FIVE);
    const plan = await ok(dir, ['plan', 'lans.yaml'], 3);
    assert.match(
      plan.stdout,
      lines(
        'm',
        String.raw`^changed +out\/hq\.tar\.gz  4 peers: branch, vpc-eu, vpc-us, branch-2`,
        ' {12}peer added: branch-2',
        String.raw` {12}route added: 10\.40\.0\.0\/16 \(via branch-2\)`,
        '(?! )',
      ),
    );
    await ok(dir, ['generate', 'lans.yaml']);
    const now = await readOut(join(dir, 'out'));
    for (const lan of FOUR) {
      const changes = fileChanges(old.get(lan)!, now.get(lan)!);
      assert.deepEqual(changes, { added: [], removed: [], changed: ['README', ...GATEWAY_FILES, 'routes.txt', 'status.sh', 'up.sh', conf] }, lan);
      for (const path of changes.changed)
        assert.ok(onlyAddsLines(old.get(lan)!.get(path)!.toString(), now.get(lan)!.get(path)!.toString()), `${lan}/${path} only gains lines`);
      const text = now.get(lan)!.get(conf)!.toString();
      assert.equal(text.split('[Peer]').length - old.get(lan)!.get(conf)!.toString().split('[Peer]').length, 1, `${lan} gains one [Peer]`);
    }
  });

  it('removes a LAN: its [Peer] and routes leave every bundle', async () => {
    writeLans(dir, 'wireguard', WITHOUT_VPC_US);
    const plan = await ok(dir, ['plan', 'lans.yaml'], 3);
    assert.match(plan.stdout, /^changed +out\/branch\.tar\.gz.*\n {12}peer removed: vpc-us\n {12}route removed: 10\.30\.0\.0\/22 \(was via vpc-us\)\n(?! )/m);
    await ok(dir, ['generate', 'lans.yaml']);
    const now = await readOut(join(dir, 'out'));
    assert.deepEqual([...now.keys()].sort(), [...WITHOUT_VPC_US].sort());
    for (const [lan, files] of now)
      for (const [path, bytes] of files) assert.ok(!bytes.includes('vpc-us') && !bytes.includes('10.30.0.0'), `${lan}/${path} no longer names vpc-us`);
  });

  it("rotates one gateway: peers' configs change only in its PublicKey and PresharedKey lines", async () => {
    const old = await readOut(join(dir, 'out'));
    const oldPairs = pairsWithout(dir, 'hq');
    const r = await ok(dir, ['rotate', 'lans.yaml', 'hq']);
    assert.match(r.stdout, /^changed +out\/branch\.tar\.gz.*\n {12}peer key changed: hq\n {12}link key rotated: hq$/m);
    assert.match(r.stdout, /^changed +out\/hq\.tar\.gz.*\n( {12}link key rotated: \S+\n){3} {12}key rotated$/m);
    assert.deepEqual(pairsWithout(dir, 'hq'), oldPairs, 'links without hq keep their keys');
    const now = await readOut(join(dir, 'out'));
    for (const lan of WITHOUT_VPC_US.slice(1)) {
      assert.deepEqual(fileChanges(old.get(lan)!, now.get(lan)!).changed, [conf], lan);
      const before = old.get(lan)!.get(conf)!.toString().split('\n');
      const after = now.get(lan)!.get(conf)!.toString().split('\n');
      assert.equal(after.length, before.length);
      const changed = after.flatMap((line, i) =>
        line === before[i]
          ? []
          : [
              `${line.split(' = ')[0]} of ${after
                .slice(0, i)
                .reverse()
                .find((l) => l.startsWith('# '))}`,
            ],
      );
      assert.deepEqual(changed, ['PublicKey of # hq', 'PresharedKey of # hq'], lan);
    }
  });

  it('reports a damaged tarball in out/ and replaces it whole', async () => {
    writeFileSync(join(dir, 'out/branch.tar.gz'), 'not a tarball');
    const plan = await ok(dir, ['plan', 'lans.yaml'], 3);
    assert.match(
      plan.stdout,
      /^changed +out\/branch\.tar\.gz.*\n {12}the tarball in the output folder is not a readable p2pvpn bundle: it is replaced whole$/m,
    );
    await ok(dir, ['generate', 'lans.yaml']);
    await ok(dir, ['plan', 'lans.yaml'], 0);
  });
});
