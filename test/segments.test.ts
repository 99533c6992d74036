import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadState } from '../src/io/stateStore.js';
import { formatReport } from '../src/model/problems.js';
import { buildMesh, renderAllBundles } from '../src/pipeline.js';
import type { RenderedBundle } from '../src/render/render.js';
import { reporter, validateLans } from '../src/validate/validate.js';
import { fileOf, writeBundle } from './support/bundles.js';
import { FIXTURES, withTempDir } from './support/cli.js';
import { buildGolden, noNewKeys } from './support/goldens.js';
import { inNetns, missing, run, withNetns } from './support/system.js';

/** The golden meshes with segments: one gateway per case is in none (vpc-eu, or hq with two gateways). */
const CASES = [
  { name: 'golden-segments-openvpn', outsiders: ['vpc-eu'] },
  { name: 'golden-segments-wireguard', outsiders: ['vpc-eu'] },
  { name: 'golden-segments-bgp-wireguard', outsiders: ['hq-a', 'hq-b'] },
];

/** segment_up NAME VNI BRIDGE MTU MAC "LOCAL" "FLOODS", as segments.sh calls it. */
interface SegmentCall {
  name: string;
  vni: number;
  mtu: number;
  local: string;
  floods: string[];
}

function segmentCalls(bundle: RenderedBundle): SegmentCall[] {
  return [...fileOf(bundle, 'segments.sh').matchAll(/^segment_up (\S+) (\d+) \S+ (\d+) \S+ "([\d.]*)" "([\d. ]*)"$/gm)].map((m) => ({
    name: m[1]!,
    vni: Number(m[2]),
    mtu: Number(m[3]),
    local: m[4]!,
    floods: m[5]!.split(' ').filter(Boolean),
  }));
}

/** The VXLAN accepts of a bundle's nftables rules: tunnel, source, destination, VNI. */
function vxlanAccepts(bundle: RenderedBundle): { iface: string; from: string; to: string; vni: number }[] {
  const re = /^\s*iifname "(\S+)" ip saddr (\S+) ip daddr (\S+) udp dport 4789 @th,96,24 (\d+) accept/gm;
  return [...fileOf(bundle, 'firewall/rules.nft').matchAll(re)].map((m) => ({ iface: m[1]!, from: m[2]!, to: m[3]!, vni: Number(m[4]) }));
}

/** The bundle's tunnel MTU, from its own tunnel config (the WireGuard file's MTU line only: the file holds a key). */
function tunnelMtuOf(bundle: RenderedBundle): number {
  const conf = bundle.files.find((f) => /^(openvpn|wireguard)\/.*\.conf$/.test(f.path))!;
  return Number(/^(?:MTU = |tun-mtu )(\d+)$/m.exec(conf.content)![1]);
}

/** The same mesh with every segment and bridge taken out of lans.yaml, built from the same state. */
async function withoutSegments(name: string): Promise<RenderedBundle[]> {
  const text = readFileSync(join(FIXTURES, name, 'lans.yaml'), 'utf8')
    .replace(/^ {2}segments:\n( {4}- .*\n)+/m, '')
    .replace(/^ +bridges: .*\n/gm, '');
  assert.doesNotMatch(text, /^\s*(segments|bridges):/m);
  const { config, source, problems } = validateLans('lans.yaml', text);
  if (!config || !source) throw new Error(formatReport(problems));
  const { state } = loadState(join(FIXTURES, name, 'state'), config.mesh.name);
  const build = await buildMesh(config, state, noNewKeys, new Date('2026-01-01T00:00:00Z'), reporter(source, []));
  return renderAllBundles(build!);
}

for (const { name, outsiders } of CASES) {
  describe(`L2 segments of ${name}`, () => {
    let bundles: RenderedBundle[];
    const bundle = (lan: string) => bundles.find((b) => b.lan === lan)!;
    const members = () => bundles.filter((b) => !outsiders.includes(b.lan));
    before(async () => {
      bundles = (await buildGolden(name)).bundles;
    });

    it('a gateway in no segment gets the very bundle it would get if the mesh had none', async () => {
      const plain = await withoutSegments(name);
      for (const lan of outsiders) {
        const want = plain.find((b) => b.lan === lan)!;
        assert.deepEqual(
          bundle(lan).files.map((f) => [f.path, f.mode, f.content]),
          want.files.map((f) => [f.path, f.mode, f.content]),
          `${lan}'s bundle`,
        );
      }
    });

    it('each member floods to the other members at the address they admit VXLAN on, and admits it from where they send', () => {
      for (const self of members()) {
        for (const call of segmentCalls(self)) {
          const accepts = vxlanAccepts(self).filter((a) => a.vni === call.vni);
          assert.equal(accepts.length, call.floods.length, `${self.lan}/${call.name}: one accept per flood entry`);
          for (const peer of members().filter((p) => p !== self && segmentCalls(p).some((c) => c.name === call.name))) {
            const theirs = vxlanAccepts(peer).filter((a) => a.vni === call.vni);
            // The peer admits from one of our addresses, to one of its own: we flood there, and it is our source.
            const back = theirs.filter((a) => call.floods.includes(a.to));
            assert.equal(back.length, 1, `${self.lan} floods ${call.name} to exactly one address ${peer.lan} admits it on`);
            assert.ok(
              accepts.some((a) => a.from === back[0]!.to && a.to === back[0]!.from),
              `${self.lan} admits from ${peer.lan} what ${peer.lan} sends`,
            );
            if (call.local !== '') assert.equal(back[0]!.from, call.local, `${self.lan}'s local is the source ${peer.lan} admits`);
          }
        }
      }
    });

    it('the segment MTU is the tunnel MTU less 50, and a local address is set only where a gateway has one tunnel address', () => {
      for (const b of members()) {
        for (const call of segmentCalls(b)) {
          assert.equal(call.mtu, tunnelMtuOf(b) - 50, `${b.lan}/${call.name}`);
          assert.equal(call.local !== '', name === 'golden-segments-wireguard', `${b.lan}/${call.name}: local "${call.local}"`);
        }
      }
    });

    it('shellcheck passes segments.sh, up.sh and down.sh of every member', { skip: missing('shellcheck') }, async () => {
      await withTempDir((dir) => {
        const scripts = members().flatMap((b) => ['segments.sh', 'up.sh', 'down.sh'].map((f) => join(writeBundle(dir, b), f)));
        const r = run('shellcheck', ['--shell=sh', '--severity=style', ...scripts]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
      });
    });

    it('nft -c and iptables-restore --test accept every member rules file', { skip: missing('nft', 'iptables-restore', 'ip') }, async () => {
      await withNetns((ns) => {
        for (const b of members()) {
          const nft = inNetns(ns, 'nft', ['-c', '-f', '-'], { input: fileOf(b, 'firewall/rules.nft') });
          assert.equal(nft.status, 0, `${b.lan}: ${nft.stderr}`);
          const ipt = inNetns(ns, 'iptables-restore', ['--test', '--noflush'], { input: fileOf(b, 'firewall/rules.iptables') });
          assert.equal(ipt.status, 0, `${b.lan}: ${ipt.stderr}`);
        }
      });
    });
  });
}
