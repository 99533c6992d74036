import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allocate } from '../src/allocate/allocate.js';
import { formatProblem } from '../src/model/problems.js';
import { buildTopology } from '../src/plan/topology.js';
import { emptyState } from '../src/state/types.js';
import { validateLans } from '../src/validate/validate.js';
import { runCli, withTempDir } from './support/cli.js';

const AWS = `      aws:
        region: eu-west-1
        instance: i-0123456789abcdef0
        routeTables: [rtb-0123456789abcdef0]
        securityGroup: sg-01234567`;

/** A two-LAN mesh; `mesh` and `b` are spliced into the mesh and second gateway mappings. */
function lans(mesh = '', b = '', bEndpoint = '  endpoint: 198.51.100.2'): string {
  return `mesh:
  name: m
  backend: wireguard
${mesh}
lans:
  - name: a
    subnets: [10.1.0.0/16]
    gateway:
      endpoint: 198.51.100.1
      lanAddress: 10.1.0.1
  - name: b
    subnets: [10.2.0.0/16]
    gateway:
    ${bEndpoint}
      lanAddress: 10.2.0.1
${b}
`;
}

function errors(text: string): string[] {
  return validateLans('lans.yaml', text)
    .problems.filter((p) => p.severity === 'error')
    .map(formatProblem);
}

describe('lans.yaml: firewall', () => {
  it('defaults to nftables, applied, and a gateway overrides only what it names', () => {
    const { config } = validateLans('lans.yaml', lans('', '      firewall: { flavour: iptables }'));
    assert.ok(config);
    assert.deepEqual(config.mesh.firewall, { flavour: 'nftables', apply: true, allowWanToLan: false });
    const topology = buildTopology(config, allocate(config, emptyState('m').public).state);
    assert.deepEqual(
      topology.sites.map((s) => [s.name, s.firewall]),
      [
        ['a', { flavour: 'nftables', apply: true, allowWanToLan: false }],
        ['b', { flavour: 'iptables', apply: true, allowWanToLan: false }],
      ],
    );
  });

  it('mesh.firewall.apply: false reaches every gateway that does not say otherwise', () => {
    const { config } = validateLans('lans.yaml', lans('  firewall: { apply: false }', '      firewall: { apply: true }'));
    const topology = buildTopology(config!, allocate(config!, emptyState('m').public).state);
    assert.deepEqual(
      topology.sites.map((s) => s.firewall.apply),
      [false, true],
    );
  });

  it('allowWanToLan is set for the mesh or per gateway, like the other firewall fields', () => {
    const { config } = validateLans('lans.yaml', lans('  firewall: { allowWanToLan: true }', '      firewall: { allowWanToLan: false }'));
    const topology = buildTopology(config!, allocate(config!, emptyState('m').public).state);
    assert.deepEqual(
      topology.sites.map((s) => s.firewall.allowWanToLan),
      [true, false],
    );
  });

  const bad: [string, string, string, string][] = [
    ['an unknown flavour', '  firewall: { flavour: pf }', '', 'lans.yaml:4:24: mesh.firewall.flavour: must be "nftables" or "iptables"'],
    ['apply as text', '  firewall: { apply: yes please }', '', 'lans.yaml:4:22: mesh.firewall.apply: expected true or false, found the text "yes please"'],
    [
      'an unknown key',
      '  firewall: { flavor: nftables }',
      '',
      'lans.yaml:4:15: mesh.firewall.flavor: unknown key "flavor", expected one of: flavour, apply, allowWanToLan',
    ],
    [
      'allowWanToLan as text',
      '',
      '      firewall: { allowWanToLan: "no" }',
      'lans.yaml:16:34: lans[1].gateway.firewall.allowWanToLan: expected true or false, found the text "no"',
    ],
  ];
  for (const [name, mesh, b, want] of bad) {
    it(`refuses ${name}`, () => assert.deepEqual(errors(lans(mesh, b)), [want]));
  }
});

describe('lans.yaml: aws', () => {
  it('accepts ids of 8 and 17 hex digits', () => {
    assert.deepEqual(errors(lans('', AWS)), []);
  });

  // Every id reaches aws.sh: anything but the documented shape is refused.
  const bad: [string, string, string][] = [
    [
      'a short instance id',
      AWS.replace('i-0123456789abcdef0', 'i-123'),
      'lans.yaml:18:19: lans[1].gateway.aws.instance: must be an EC2 instance id like i-0123456789abcdef0',
    ],
    [
      'upper case',
      AWS.replace('rtb-0123456789abcdef0', 'rtb-0123456789ABCDEF0'),
      'lans.yaml:19:23: lans[1].gateway.aws.routeTables[0]: must be a route table id like rtb-0123456789abcdef0',
    ],
    [
      'shell in an id',
      AWS.replace('sg-01234567', '"sg-01234567; rm -rf /"'),
      'lans.yaml:20:24: lans[1].gateway.aws.securityGroup: must be a security group id like sg-0123456789abcdef0',
    ],
    ['a bad region', AWS.replace('eu-west-1', 'Europe'), 'lans.yaml:17:17: lans[1].gateway.aws.region: must be an AWS region like eu-west-1'],
    [
      'no route tables',
      AWS.replace('[rtb-0123456789abcdef0]', '[]'),
      'lans.yaml:19:22: lans[1].gateway.aws.routeTables: must list at least one route table, like rtb-0123456789abcdef0',
    ],
    [
      'a table listed twice',
      AWS.replace('[rtb-0123456789abcdef0]', '[rtb-0123456789abcdef0, rtb-0123456789abcdef0]'),
      'lans.yaml:19:46: lans[1].gateway.aws.routeTables[1]: rtb-0123456789abcdef0 is listed twice, list each route table once',
    ],
  ];
  for (const [name, b, want] of bad) {
    it(`refuses ${name}`, () => assert.deepEqual(errors(lans('', b)), [want]));
  }

  it('refuses one instance or route table for two LANs', () => {
    const text = lans('', AWS).replace('      lanAddress: 10.1.0.1\n', `      lanAddress: 10.1.0.1\n${AWS.replace('sg-01234567', 'sg-89abcdef')}\n`);
    assert.deepEqual(errors(text), [
      'lans.yaml:23:19: lans[1].gateway.aws.instance: i-0123456789abcdef0 is already the gateway of a, each LAN needs its own gateway instance',
      'lans.yaml:24:23: lans[1].gateway.aws.routeTables[0]: rtb-0123456789abcdef0 is already a route table of a, a route table belongs to one VPC',
    ]);
  });
});

describe('lans.yaml: endpoints', () => {
  it('validate refuses two gateways that both lack an endpoint, naming both', () => {
    const text = lans('', '', '').replace('      endpoint: 198.51.100.1\n', '');
    assert.deepEqual(errors(text), [
      'lans.yaml:14:7: lans[1].gateway: neither a nor b has an endpoint, so no tunnel can start between them; give one of them an endpoint',
    ]);
  });

  it('p2pvpn validate says so and exits 1', async () => {
    await withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), lans('', '', '').replace('      endpoint: 198.51.100.1\n', ''));
      const r = runCli(['validate', 'lans.yaml'], dir);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^lans\.yaml:14:7: lans\[1\]\.gateway: neither a nor b has an endpoint, so no tunnel can start between them; give one of them an endpoint$/m,
      );
    });
  });

  it('one gateway without an endpoint is fine: it dials out and keeps the tunnel alive', () => {
    const { config } = validateLans('lans.yaml', lans('', '', ''));
    assert.ok(config);
    const topology = buildTopology(config, allocate(config, emptyState('m').public).state);
    assert.deepEqual(
      topology.sites.map((s) => [s.name, s.behindNat]),
      [
        ['a', false],
        ['b', true],
      ],
    );
  });
});
