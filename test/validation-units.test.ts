import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkAllocation } from '../src/allocate/checkAllocation.js';
import { reportExpiries } from '../src/change/expiryWarnings.js';
import { main } from '../src/cli/main.js';
import type { Report } from '../src/model/problems.js';
import { formatReport } from '../src/model/problems.js';
import type { LansConfig } from '../src/model/schema.js';
import { checkState } from '../src/state/checkState.js';
import { type CertRecord, emptyState, type MeshState } from '../src/state/types.js';
import { validateLans } from '../src/validate/validate.js';
import { FIXTURES, withTempDir } from './support/cli.js';
import { meshConfig } from './support/meshes.js';

function config(backend: 'openvpn' | 'wireguard', names = ['a', 'b', 'c']): LansConfig {
  return meshConfig(backend, names);
}

/** Collects what a check reports as `severity path: message` lines. */
function collect(): { report: Report; lines: string[] } {
  const lines: string[] = [];
  return { lines, report: (path, message, severity = 'error') => lines.push(`${severity} ${path.join('.')}: ${message}`) };
}

const cert = (serial: number, notAfter = '2030-01-01T00:00:00.000Z'): CertRecord => ({ pem: 'x', serial, notBefore: '2025-01-01T00:00:00.000Z', notAfter });

/** A consistent three-LAN OpenVPN state, to be broken one way per case. */
function goodState(): MeshState {
  const s = emptyState('m');
  s.public.nextLan = 4;
  s.public.nextPair = 4;
  s.public.lans = { a: { number: 1, certificate: cert(2) }, b: { number: 2, certificate: cert(3) }, c: { number: 3, certificate: cert(4) } };
  s.public.pairs = [
    { number: 1, lans: ['a', 'b'] },
    { number: 2, lans: ['a', 'c'] },
    { number: 3, lans: ['b', 'c'] },
  ];
  s.public.ca = { certificate: cert(1), nextSerial: 5 };
  s.secrets.caKey = 'k';
  s.secrets.lans = { a: { key: 'k' }, b: { key: 'k' }, c: { key: 'k' } };
  return s;
}

describe('checkState: a state folder that contradicts itself', () => {
  const cases: [string, (s: MeshState) => void, string[]][] = [
    ['consistent', () => {}, []],
    [
      'two LANs share a number',
      (s) => (s.public.lans['c']!.number = 1),
      ['mesh.json lans.c.number: LAN number 1 is also given to a, each LAN number is used once'],
    ],
    [
      'a number not below nextLan',
      (s) => (s.public.nextLan = 3),
      ['mesh.json lans.c.number: LAN number 3 is not below nextLan (3), so it would be handed out again'],
    ],
    [
      'active and retired at once',
      (s) => (s.public.retired['b'] = { number: 9 }),
      [
        'mesh.json retired.b.number: LAN number 9 is not below nextLan (4), so it would be handed out again',
        'mesh.json retired.b: b is both an active and a retired LAN',
      ],
    ],
    [
      'a link to an unknown LAN',
      (s) => (s.public.pairs[2]!.lans = ['b', 'zz']),
      ['mesh.json pairs[2].lans[1]: link 3 names LAN "zz", which is not among the state\'s active LANs'],
    ],
    ['a link from a LAN to itself', (s) => (s.public.pairs[2]!.lans = ['b', 'b']), ['mesh.json pairs[2].lans: link 3 joins b to itself']],
    [
      'two links with one number',
      (s) => (s.public.pairs[2]!.number = 1),
      ['mesh.json pairs[2].number: link number 1 is also used by pairs[0], two tunnels would share a port and transit block'],
    ],
    [
      'two links between the same LANs',
      (s) => (s.public.pairs[2]!.lans = ['b', 'a']),
      ['mesh.json pairs[2]: b and a are already joined by pairs[0], each two LANs have one link'],
    ],
    [
      'a link number not below nextPair',
      (s) => (s.public.nextPair = 3),
      ['mesh.json pairs[2].number: link number 3 is not below nextPair (3), so it would be handed out again'],
    ],
    [
      'a certificate without its CA',
      (s) => delete s.public.ca,
      [
        'mesh.json lans.a.certificate: a gateway certificate is recorded but no CA that issued it',
        'mesh.json ca: the CA certificate is missing while secrets.json holds a CA key',
      ],
    ],
    [
      'a serial issued twice',
      (s) => (s.public.lans['c']!.certificate = cert(2)),
      ['mesh.json lans.c.certificate.serial: certificate serial 2 is also the serial of lans.a.certificate.serial, a CA issues each serial once'],
    ],
    [
      'nextSerial already used',
      (s) => (s.public.ca!.nextSerial = 4),
      ['mesh.json ca.nextSerial: 4 is not above the highest serial issued (4), so a serial would be issued twice'],
    ],
    [
      'the CA key lost',
      (s) => delete s.secrets.caKey,
      ['secrets.json caKey: the CA key is missing while mesh.json records the CA certificate, so no certificate can be issued'],
    ],
    [
      'a gateway key lost',
      (s) => delete s.secrets.lans['b'],
      ['secrets.json lans.b.key: the private key of b is missing while mesh.json records its certificate'],
    ],
    [
      'the standby CA key lost',
      (s) => {
        s.public.standbyCa = { certificate: cert(5), number: 2 };
        s.public.ca!.nextSerial = 6;
      },
      ['secrets.json standbyCaKey: the standby CA key is missing while mesh.json records the standby CA certificate, which every gateway trusts'],
    ],
    [
      'the standby CA on a used serial',
      (s) => {
        s.public.standbyCa = { certificate: cert(4), number: 2 };
        s.secrets.standbyCaKey = 'k';
      },
      ['mesh.json standbyCa.certificate.serial: certificate serial 4 is also the serial of lans.c.certificate.serial, a CA issues each serial once'],
    ],
    [
      'the retiring CA key lost',
      (s) => (s.public.retiringCa = { certificate: cert(6), since: '2026-01-01T00:00:00.000Z', certificates: {} }),
      ['secrets.json retiringCaKey: the retiring CA key is missing while mesh.json records a CA rotation in progress, so its revocation list cannot be signed'],
    ],
  ];
  for (const [name, breakIt, want] of cases) {
    it(name, () => {
      const state = goodState();
      breakIt(state);
      assert.deepEqual(
        checkState(state).map((p) => `${p.file} ${p.path}: ${p.message}`),
        want,
      );
    });
  }
});

describe('reportExpiries: certificates about to end are positioned warnings', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('places the CA at mesh.certificates and a gateway at its LAN name', () => {
    const state = goodState();
    state.public.ca!.certificate.notAfter = '2026-06-11T12:00:00.000Z';
    state.public.lans['b']!.certificate!.notAfter = '2026-05-01T00:00:00.000Z';
    const { report, lines } = collect();
    reportExpiries(config('openvpn', ['c', 'b', 'a']), state.public, now, 'lans.yaml', report);
    assert.deepEqual(lines, [
      'warning lans.1.name: the certificate of b expired 2026-05-01 (31 days ago); run "p2pvpn rotate lans.yaml b" and redistribute the bundles it changes',
      'warning mesh.certificates: the CA certificate expires 2026-06-11 (in 10 days); every tunnel fails after that:' +
        ' run "p2pvpn rotate --ca lans.yaml" and redistribute every bundle before then',
    ]);
  });
  it('says when the standby CA is about to end, and that a CA rotation waits to be finished', () => {
    const state = goodState();
    state.public.standbyCa = { certificate: { ...cert(5), notAfter: '2026-07-01T00:00:00.000Z' }, number: 2 };
    state.public.retiringCa = { certificate: cert(6), since: '2026-05-20T10:00:00.000Z', certificates: {} };
    const { report, lines } = collect();
    reportExpiries(config('openvpn'), state.public, now, 'lans.yaml', report);
    assert.deepEqual(lines, [
      'warning mesh.certificates: the standby CA certificate expires 2026-07-01 (in 30 days); gateways that trust only it' +
        ' refuse the certificates a CA rotation issues after that: run "p2pvpn rotate --ca lans.yaml" before then',
      'warning mesh.certificates: a CA rotation is in progress since 2026-05-20: once every gateway runs its new bundle,' +
        ' run "p2pvpn rotate --ca --finish lans.yaml" so that the old CA is no longer trusted',
    ]);
  });
  it('is quiet while every end is far off', () => {
    const { report, lines } = collect();
    reportExpiries(config('openvpn'), goodState().public, now, 'lans.yaml', report);
    assert.deepEqual(lines, []);
  });
});

describe('checkAllocation', () => {
  it('refuses two tunnels of one gateway on one port', () => {
    const state = goodState().public;
    state.pairs[2]!.number = 2;
    const { report, lines } = collect();
    checkAllocation(config('openvpn'), state, report);
    assert.deepEqual(lines, [
      'error lans.2.name: two tunnels of c (links 2 and 2) would both listen on port 11002,' +
        ' the state numbers them alike; restore the state folder from a backup',
    ]);
  });
  it('accepts distinct ports', () => {
    const { report, lines } = collect();
    checkAllocation(config('openvpn'), goodState().public, report);
    assert.deepEqual(lines, []);
  });
});

describe('validateLans edge cases', () => {
  const base = [
    'mesh:',
    '  name: m',
    '  backend: wireguard',
    'lans:',
    '  - name: a',
    '    subnets: [10.1.0.0/16]',
    '    gateway: {endpoint: a.example.com, lanAddress: 10.1.0.1}',
    '  - name: b',
    '    subnets: [10.2.0.0/16]',
    '    gateway: {endpoint: b.example.com, lanAddress: 10.2.0.1}',
    '',
  ].join('\n');
  it('accepts input with only warnings and reports them', () => {
    const r = validateLans('lans.yaml', base.replace('backend: wireguard', 'backend: wireguard\n  underlayMtu: 1300'));
    assert.ok(r.config);
    assert.equal(
      formatReport(r.problems),
      '1 warning:\nlans.yaml:4:16: mesh.underlayMtu: leaves a tunnel MTU of 1240, below the 1280 IPv6 needs; raise it if the path allows',
    );
  });
  it('accepts names that only look unusual', () => {
    for (const endpoint of ['1e100.net', '123.example.com', 'xn--bcher-kva.example', 'gateway', 'A-1.Example.COM', '203.0.113.255']) {
      const r = validateLans('lans.yaml', base.replace('a.example.com', endpoint));
      assert.deepEqual(r.problems, [], endpoint);
    }
    const text = base.replace('  - name: a\n', '  - name: a\n    description: "Acme (HQ) & co, 2nd floor: rack 4/B @ site-1"\n');
    assert.deepEqual(validateLans('lans.yaml', text).problems, []);
  });
  it('shows control characters from the input escaped, never raw', () => {
    const r = validateLans('lans.yaml', `${base}"\\e[2J\\u202e": 1\n`);
    assert.equal(formatReport(r.problems), '1 error:\nlans.yaml:11:1: \\u001b[2J\\u202e: unknown key "\\u001b[2J\\u202e", expected one of: mesh, lans');
  });
  for (const depth of [17, 5000, 200000]) {
    it(`refuses nesting ${depth} levels deep without overflowing`, () => {
      const r = validateLans('lans.yaml', `mesh: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
      assert.equal(r.problems.length, 1);
      assert.match(r.problems[0]!.message, /^the document nests (deeper than 16 levels|far too deeply), lans.yaml needs at most 4/);
    });
  }
});

describe('a state written for the other backend is reconciled, not refused', () => {
  it('wireguard, then openvpn, then wireguard again: every run succeeds', () =>
    withTempDir(async (dir) => {
      const example = readFileSync(join(FIXTURES, 'example', 'lans.yaml'), 'utf8');
      for (const backend of ['wireguard', 'openvpn', 'wireguard']) {
        writeFileSync(join(dir, 'lans.yaml'), example.replace(/backend: \w+/, `backend: ${backend}`));
        let stderr = '';
        const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: {} };
        const code = await main(['generate', join(dir, 'lans.yaml'), '--out', join(dir, 'out')], io);
        assert.equal(code, 0, `${backend}: ${stderr}`);
        assert.equal(stderr, '');
      }
    }));
});
