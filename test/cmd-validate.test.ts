import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';
import { meshYaml } from './support/meshes.js';

const BROKEN = `mesh:
  name: acme
  backend: wireguard
lans:
  - name: hq
    subnets: [10.0.0.0/16]
    gateway: { endpoint: vpn.example.com, lanAddress: 10.0.0.1, prot: 1 }
  - name: branch
    subnets: [10.0.0.0/24]
    gateway: { endpoint: 8.8.8.8, lanAddress: 10.0.0.300 }
`;

describe('p2pvpn validate', () => {
  it('accepts the example and writes nothing', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      const r = runCli(['validate', 'lans.yaml'], dir);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'lans.yaml: valid, 4 LANs and 6 links over wireguard\n', '']);
      assert.deepEqual(readdirSync(dir), ['lans.yaml']);
    }));

  it('prints the same problems and exit code as generate, and writes nothing', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), BROKEN);
      const v = runCli(['validate', 'lans.yaml'], dir);
      assert.equal(v.code, 1);
      assert.equal(v.stdout, '');
      assert.match(v.stderr, /^\d+ errors:\nlans\.yaml:7:\d+: lans\[0\]\.gateway\.prot: unknown key "prot"/);
      assert.deepEqual(readdirSync(dir), ['lans.yaml']);
      const g = runCli(['generate', 'lans.yaml'], dir);
      assert.deepEqual([g.code, g.stderr], [v.code, v.stderr]);
    }));

  it('checks against the saved state: retired numbers still count', () =>
    withTempDir((dir) => {
      const file = join(dir, 'lans.yaml');
      writeFileSync(file, meshYaml(['a', 'b', 'c', 'd'], { transit: '172.19.0.0/29' }));
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      // 5 LANs fit a /29 (6 addresses), but the new ones get numbers 5, 6 and 7.
      writeFileSync(file, meshYaml(['a', 'b', 'e', 'f', 'g'], { transit: '172.19.0.0/29' }));
      const fresh = runCli(['validate', 'lans.yaml', '--state', 'nowhere.state'], dir);
      assert.equal(fresh.code, 0, fresh.stderr);
      const v = runCli(['validate', 'lans.yaml'], dir);
      assert.equal(v.code, 1);
      assert.match(v.stderr, /lans\.yaml:4:\d+: mesh\.transit: 172\.19\.0\.0\/29 holds 6 gateway addresses but the mesh has used numbers up to 7/);
      const g = runCli(['generate', 'lans.yaml'], dir);
      assert.deepEqual([g.code, g.stderr], [1, v.stderr]);
    }));

  it('refuses a state folder of another mesh, like generate', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b'], { mesh: 'one' }));
      assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b'], { mesh: 'two' }));
      const v = runCli(['validate', 'lans.yaml'], dir);
      assert.equal(v.code, 1);
      assert.equal(
        v.stderr,
        `p2pvpn: lans.state holds the state of mesh "one", not "two"; use --state to point at this mesh's state, or rename the mesh back\n`,
      );
    }));

  it('names a missing file and suggests init', () =>
    withTempDir((dir) => {
      const r = runCli(['validate', 'nope.yaml'], dir);
      assert.deepEqual([r.code, r.stderr], [1, 'p2pvpn: nope.yaml: no such file; create one with "p2pvpn init nope.yaml"\n']);
    }));

  it('wants a file name (usage error, exit 2)', () =>
    withTempDir((dir) => {
      const r = runCli(['validate'], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /missing required argument 'lans\.yaml'/);
    }));
});
