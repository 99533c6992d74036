import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answerFromResult, formatStatus, meshStatus } from '../src/deploy/matrix.js';
import { deployOutcomes, formatOutcomes } from '../src/deploy/outcome.js';
import { FIXTURES, ROOT, runCli, withTempDir } from './support/cli.js';
import { missing } from './support/system.js';

const LANS = `mesh: { name: acme-1, backend: wireguard }
lans:
  - name: "yes"
    subnets: [10.1.0.0/16]
    gateway: { endpoint: on.example.com, lanAddress: 10.1.0.1 }
  - name: bravo
    subnets: [10.2.0.0/16]
    gateway: { lanAddress: 10.2.0.1, ssh: { host: 192.0.2.7, user: deploy, port: 2222 } }
  - name: charlie
    subnets: [10.3.0.0/16]
    gateway: { endpoint: 203.0.113.3, lanAddress: 10.3.0.1 }
`;

describe('out/inventory.yml and the shipped playbooks', () => {
  it(
    'ansible-inventory reads the inventory as meant (names that YAML 1.1 would turn into booleans stay names), and the playbooks pass --syntax-check',
    { skip: missing('ansible-inventory', 'ansible-playbook') },
    () =>
      withTempDir((dir) => {
        writeFileSync(join(dir, 'lans.yaml'), LANS);
        assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
        const inventory = join(dir, 'out', 'inventory.yml');
        const r = spawnSync('ansible-inventory', ['-i', inventory, '--list'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
        assert.equal(r.status, 0, r.stderr);
        const list = JSON.parse(r.stdout) as { _meta: { hostvars: Record<string, Record<string, unknown>> }; p2pvpn_acme_1: { hosts: string[] } };
        assert.deepEqual(list.p2pvpn_acme_1.hosts.sort(), ['bravo', 'charlie', 'yes']);
        assert.deepEqual(pick(list._meta.hostvars['yes']!), {
          ansible_host: 'on.example.com',
          ansible_user: 'root',
          ansible_port: 22,
          p2pvpn_bundle: 'yes.tar.gz',
          p2pvpn_mesh: 'acme-1',
        });
        assert.deepEqual(pick(list._meta.hostvars['bravo']!), {
          ansible_host: '192.0.2.7',
          ansible_user: 'deploy',
          ansible_port: 2222,
          p2pvpn_bundle: 'bravo.tar.gz',
          p2pvpn_mesh: 'acme-1',
        });
        assert.match(String(list._meta.hostvars['charlie']!['p2pvpn_sha256']), /^[0-9a-f]{64}$/);
        assert.doesNotMatch(readFileSync(inventory, 'utf8'), /PRIVATE|PresharedKey|-----BEGIN/, 'no secret');
        for (const playbook of ['deploy.yml', 'status.yml']) {
          const check = spawnSync('ansible-playbook', ['--syntax-check', '-i', inventory, join(ROOT, 'ansible', playbook)], {
            encoding: 'utf8',
            env: { ...process.env, LC_ALL: 'C.UTF-8' },
          });
          assert.equal(check.status, 0, check.stdout + check.stderr);
        }
      }),
  );

  it('the example inventory is deterministic: a second generate leaves it byte for byte', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), readFileSync(join(FIXTURES, 'example', 'lans.yaml')));
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const first = readFileSync(join(dir, 'out', 'inventory.yml'));
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      assert.ok(readFileSync(join(dir, 'out', 'inventory.yml')).equals(first));
    }));

  it('deploy and status refuse a gateway nobody can reach, and a stale inventory, before running Ansible', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), LANS.replace(', ssh: { host: 192.0.2.7, user: deploy, port: 2222 }', ''));
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const refused = runCli(['deploy', 'lans.yaml'], dir);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /cannot reach bravo: neither gateway.endpoint nor gateway.ssh.host is set/);
      writeFileSync(join(dir, 'out', 'charlie.tar.gz'), 'not what generate wrote');
      const stale = runCli(['deploy', 'lans.yaml', '--limit', 'yes,charlie'], dir);
      assert.equal(stale.code, 1);
      assert.match(stale.stderr, /inventory.yml does not match lans.yaml and the tarballs beside it/);
      assert.equal(runCli(['deploy', 'lans.yaml', '--limit', 'delta'], dir).code, 1);
    }));

  it('without ansible-playbook on PATH, deploy exits 2 and says what to install', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), LANS);
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const r = runCli(['deploy', 'lans.yaml'], dir, { PATH: '/nonexistent' });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /ansible-playbook is not installed; install it with "apt-get install ansible-core"/);
    }));
});

describe('what deploy prints', () => {
  const cases: [string, { results: Record<string, unknown>; check?: boolean; want: string[] }][] = [
    [
      'a rollout that went through',
      {
        results: { a: { ansible_facts: { p2pvpn_done: 'up.sh (no systemd here)' } }, b: { add_group: 'p2pvpn_unchanged' } },
        want: ['changed       a  (up.sh (no systemd here))', 'unchanged     b'],
      },
    ],
    [
      'an unreachable gateway stops the others',
      {
        results: { a: { unreachable: true, msg: 'Failed to connect\nto the host' }, b: { ansible_facts: { p2pvpn_state: 'changed' } } },
        want: ['failed        a: unreachable: Failed to connect to the host', 'not deployed  b: the rollout stopped before it was done'],
      },
    ],
    [
      'a failed step, a gateway never reached',
      {
        results: { a: { changed: false, msg: 'Install it with its install.sh: up.sh: no such device' } },
        want: ['failed        a: Install it with its install.sh: up.sh: no such device', 'not deployed  b: ansible-playbook never reached it'],
      },
    ],
    [
      '--check',
      {
        results: { a: { add_group: 'p2pvpn_new' }, b: { add_group: 'p2pvpn_changed' } },
        check: true,
        want: ['would change  a  (new: nothing installed yet)', 'would change  b  (runs another bundle)'],
      },
    ],
  ];
  for (const [name, { results, check, want }] of cases) {
    it(name, () => assert.deepEqual(formatOutcomes(deployOutcomes(['a', 'b'], new Map(Object.entries(results)), check === true)), want));
  }
});

describe('what status shows', () => {
  const peerStatus = (peer: string, up: boolean) => ({ peer, up, handshakeAge: 3, rxBytes: 1, txBytes: 2, rttMs: 0.5 });
  const answer = (peers: Record<string, boolean>): unknown => ({
    rc: 0,
    stdout: `${JSON.stringify({ version: 1, kind: 'p2pvpn-gateway-status', peers: Object.entries(peers).map(([peer, up]) => peerStatus(peer, up)) })}\r\n`,
  });

  it('marks where the two ends disagree and names every link that is not up', () => {
    const answers = [
      answerFromResult('a', answer({ b: true, c: true })),
      answerFromResult('b', answer({ a: true, c: false })),
      answerFromResult('c', { unreachable: true, msg: 'ssh: connect to host 192.0.2.3 port 22: Connection refused' }),
    ];
    const status = meshStatus('m', ['a', 'b', 'c'], answers);
    assert.deepEqual(formatStatus(status), [
      '   a   b   c',
      'a      up  up',
      'b  up      DOWN',
      'c  ?   ?',
      '',
      'mesh m: 1 of 3 links up',
      'c: unreachable: ssh: connect to host 192.0.2.3 port 22: Connection refused',
      'link a-c is not up: a sees it up, c gave no answer',
      'link b-c is not up: b sees it down, c gave no answer',
    ]);
  });

  it('has a row and a column per gateway; two gateways of one LAN have no link and an empty cell', () => {
    const answers = [
      answerFromResult('hq-a', answer({ b: true })),
      answerFromResult('hq-b', answer({ b: true })),
      answerFromResult('b', answer({ 'hq-a': true, 'hq-b': false })),
    ];
    const lanOf = (gateway: string) => (gateway.startsWith('hq-') ? 'hq' : gateway);
    const status = meshStatus('m', ['hq-a', 'hq-b', 'b'], answers, lanOf);
    assert.deepEqual(
      status.links.map((l) => l.ends.join(' ')),
      ['hq-a b', 'hq-b b'],
    );
    assert.deepEqual(formatStatus(status), [
      '      hq-a  hq-b   b',
      'hq-a               up',
      'hq-b               up!',
      'b     up    DOWN!',
      '',
      'mesh m: 1 of 2 links up',
      'link hq-b-b is not up: hq-b sees it up, b sees it down',
    ]);
  });

  it('a gateway without status.sh, or with output that is not its document, is a failure with the reason', () => {
    assert.deepEqual(answerFromResult('a', { rc: 127, stdout: '', stderr: 'sh: 1: /etc/p2pvpn/m/status.sh: not found' }), {
      lan: 'a',
      kind: 'failed',
      why: 'no status.sh: its bundle is not deployed (p2pvpn deploy)',
    });
    assert.deepEqual(answerFromResult('a', { rc: 0, stdout: 'hello' }), { lan: 'a', kind: 'failed', why: 'status.sh printed no status document' });
    const disagree = meshStatus('m', ['a', 'b'], [answerFromResult('a', answer({ b: true })), answerFromResult('b', answer({ a: false }))]);
    assert.deepEqual(formatStatus(disagree).slice(0, 3), ['   a      b', 'a         up!', 'b  DOWN!']);
  });
});

function pick(vars: Record<string, unknown>): Record<string, unknown> {
  const { ansible_host, ansible_user, ansible_port, p2pvpn_bundle, p2pvpn_mesh } = vars;
  return { ansible_host, ansible_user, ansible_port, p2pvpn_bundle, p2pvpn_mesh };
}
