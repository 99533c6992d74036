import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MeshView } from '../src/show/view.js';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';
import { meshYaml } from './support/meshes.js';

function showJson(dir: string, ...args: string[]): MeshView {
  const r = runCli(['show', 'lans.yaml', '--json', ...args], dir);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as MeshView;
}

describe('p2pvpn show', () => {
  it('previews the example before the first generate, writing nothing', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      const r = runCli(['show', 'lans.yaml'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readdirSync(dir), ['lans.yaml']);
      const want = [
        'mesh acme: wireguard, 4 LANs, 6 links, tunnel MTU 1440 (preview: not generated yet, numbers the next generate would give)',
        '',
        'LANs',
        '#  name    subnets                           endpoint                              LAN address   tunnel addresses',
        '1  hq      10.10.0.0/16                      vpn.hq.example.com                    10.10.0.1     172.19.0.1',
        '2  branch  192.168.10.0/24, 192.168.11.0/24  198.51.100.20                         192.168.10.1  172.19.0.2',
        '3  vpc-eu  10.20.0.0/20                      203.0.113.30 (listens on 10.20.0.10)  10.20.0.10    172.19.0.3',
        '4  vpc-us  10.30.0.0/22                      203.0.113.40 (listens on 10.30.0.10)  10.30.0.10    172.19.0.4',
        '',
        'Links',
        'pair  ends             ports      transit  tunnel addresses         backend',
        '1     hq - branch      udp 51820  -        172.19.0.1 - 172.19.0.2  wireguard',
        '2     hq - vpc-eu      udp 51820  -        172.19.0.1 - 172.19.0.3  wireguard',
        '3     hq - vpc-us      udp 51820  -        172.19.0.1 - 172.19.0.4  wireguard',
        '4     branch - vpc-eu  udp 51820  -        172.19.0.2 - 172.19.0.3  wireguard',
        '5     branch - vpc-us  udp 51820  -        172.19.0.2 - 172.19.0.4  wireguard',
        '6     vpc-eu - vpc-us  udp 51820  -        172.19.0.3 - 172.19.0.4  wireguard',
        '',
      ].join('\n');
      assert.equal(r.stdout, want);
    }));

  it('prints a versioned JSON document with every LAN and link', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      const view = showJson(dir);
      assert.deepEqual(Object.keys(view), ['version', 'kind', 'mesh', 'backend', 'routing', 'source', 'tunnelMtu', 'lans', 'links', 'removedLans']);
      assert.deepEqual([view.version, view.kind, view.mesh, view.backend, view.source], [1, 'p2pvpn-mesh-view', 'acme', 'wireguard', 'preview']);
      assert.deepEqual(view.lans[2], {
        name: 'vpc-eu',
        number: 3,
        description: 'AWS eu-west-1',
        subnets: ['10.20.0.0/20'],
        endpoint: '203.0.113.30',
        listen: '10.20.0.10',
        lanAddress: '10.20.0.10',
        port: 51820,
        tunnelAddresses: ['172.19.0.3'],
        pending: true,
        vip: null,
        gateways: [
          {
            id: 'vpc-eu',
            name: null,
            number: 3,
            endpoint: '203.0.113.30',
            listen: '10.20.0.10',
            lanAddress: '10.20.0.10',
            port: 51820,
            tunnelAddresses: ['172.19.0.3'],
            pending: true,
          },
        ],
      });
      assert.deepEqual(view.links[0], {
        pair: 1,
        ends: ['hq', 'branch'],
        lans: ['hq', 'branch'],
        ports: [51820, 51820],
        transitBlock: null,
        tunnelAddresses: ['172.19.0.1', '172.19.0.2'],
        backend: 'wireguard',
        pending: true,
      });
      assert.equal(view.links.length, 6);
    }));

  it('gives OpenVPN links their own port and /30, and each LAN its end of every link', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b', 'c'], { backend: 'openvpn' }));
      const view = showJson(dir);
      assert.deepEqual(
        view.links.map((l) => [l.pair, l.ends, l.ports, l.transitBlock, l.tunnelAddresses]),
        [
          [1, ['a', 'b'], [11001, 11001], '172.19.0.0/30', ['172.19.0.1', '172.19.0.2']],
          [2, ['a', 'c'], [11002, 11002], '172.19.0.4/30', ['172.19.0.5', '172.19.0.6']],
          [3, ['b', 'c'], [11003, 11003], '172.19.0.8/30', ['172.19.0.9', '172.19.0.10']],
        ],
      );
      assert.deepEqual(
        view.lans.map((l) => l.port),
        [null, null, null],
      );
      assert.deepEqual(
        view.lans.map((l) => l.tunnelAddresses),
        [
          ['172.19.0.1', '172.19.0.5'],
          ['172.19.0.2', '172.19.0.9'],
          ['172.19.0.6', '172.19.0.10'],
        ],
      );
      assert.deepEqual(readdirSync(dir), ['lans.yaml'], 'no keys, no state');
    }));

  it('reads the saved numbers after generate, and marks what the next generate adds or retires', () =>
    withTempDir((dir) => {
      const file = join(dir, 'lans.yaml');
      writeFileSync(file, meshYaml(['a', 'b', 'c']));
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      const saved = showJson(dir);
      assert.equal(saved.source, 'state');
      assert.ok([...saved.lans, ...saved.links].every((x) => !x.pending));
      writeFileSync(file, meshYaml(['c', 'a', 'new']));
      const next = showJson(dir);
      assert.deepEqual(
        next.lans.map((l) => [l.name, l.number, l.pending]),
        [
          ['a', 1, false],
          ['c', 3, false],
          ['new', 4, true],
        ],
      );
      assert.deepEqual(
        next.links.map((l) => [l.pair, l.pending]),
        [
          [2, false],
          [4, true],
          [5, true],
        ],
      );
      assert.deepEqual(next.removedLans, ['b']);
      const table = runCli(['show', 'lans.yaml'], dir).stdout;
      assert.match(table, /\(numbers from the saved state\)/);
      assert.match(table, /^\+4  new /m);
      assert.match(table, /^leaving the mesh at the next generate: b$/m);
    }));

  it('lists each gateway of a LAN with several, with its own number and end of every link, and the VIP', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'golden-bgp-wireguard/lans.yaml'), join(dir, 'lans.yaml'));
      const view = showJson(dir);
      assert.equal(view.routing, 'bgp');
      const hq = view.lans.find((l) => l.name === 'hq')!;
      assert.deepEqual(
        [hq.number, hq.lanAddress, hq.vip, hq.gateways.map((g) => [g.id, g.name, g.number, g.lanAddress, g.tunnelAddresses.length])],
        [
          null,
          null,
          '10.10.0.1',
          [
            ['hq-a', 'a', 1, '10.10.0.2', 2],
            ['hq-b', 'b', 2, '10.10.0.3', 2],
          ],
        ],
      );
      assert.deepEqual(
        view.links.map((l) => l.ends.join(' ')),
        ['hq-a branch', 'hq-a rack', 'hq-b branch', 'hq-b rack', 'branch rack'],
      );
      assert.deepEqual(view.links[0]!.lans, ['hq', 'branch']);
      assert.deepEqual(
        [view.links[0]!.ports, view.links[0]!.transitBlock],
        [[51821, 51821], '172.19.0.0/30'],
        'under bgp a WireGuard link has its port and /30',
      );
      const table = runCli(['show', 'lans.yaml'], dir);
      assert.match(table.stdout, /^mesh bgpwg: wireguard with BGP, 3 LANs \(4 gateways\), 5 links,/);
      assert.match(table.stdout, /^1 +hq-a +10\.10\.0\.0\/16 /m);
      assert.match(table.stdout, /^hq: VIP 10\.10\.0\.1, gateways hq-a, hq-b$/m);
    }));

  it('honours --state', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b']));
      assert.equal(runCli(['generate', 'lans.yaml', '--state', 'elsewhere'], dir).code, 0);
      assert.equal(showJson(dir).source, 'preview');
      assert.equal(showJson(dir, '--state', 'elsewhere').source, 'state');
    }));

  it('reports bad input like validate, with exit 1 and nothing on stdout', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'a']));
      const s = runCli(['show', 'lans.yaml', '--json'], dir);
      const v = runCli(['validate', 'lans.yaml'], dir);
      assert.deepEqual([s.code, s.stdout, s.stderr], [1, '', v.stderr]);
    }));
});
