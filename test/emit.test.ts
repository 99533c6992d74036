import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type BundleSink, emitBundles } from '../src/emit/emitBundles.js';
import { gzipTar, tarBundle } from '../src/pack/tarball.js';
import { buildMesh, type MeshBuild } from '../src/pipeline.js';
import type { RenderedBundle } from '../src/render/render.js';
import { emptyState } from '../src/state/types.js';
import { reporter, validateLans } from '../src/validate/validate.js';
import { fastKeys, gatewayMesh } from './support/bundles.js';

/** A bundle's .tar.gz, as generate writes it. */
const packBundle = async (bundle: RenderedBundle): Promise<Buffer> => gzipTar(await tarBundle(bundle));

async function wireguardBuild(): Promise<MeshBuild> {
  const { config, source } = validateLans('lans.yaml', gatewayMesh('wireguard'));
  const build = await buildMesh(config!, emptyState(config!.mesh.name), fastKeys, new Date('2026-01-01T00:00:00Z'), reporter(source!, []));
  return build!;
}

/** A sink over an in-memory out/: what it held, and what was staged. */
function memorySink(held: Map<string, Buffer>): BundleSink & { staged: Map<string, Buffer> } {
  const staged = new Map<string, Buffer>();
  return { staged, previous: async (lan) => held.get(lan), stage: async (lan, tarball) => void staged.set(lan, tarball) };
}

/** Gives the first tar entry another mtime, with a valid header checksum. */
function restamp(tar: Buffer): void {
  tar.write('1', 136);
  tar.fill(' ', 148, 156);
  const sum = tar.subarray(0, 512).reduce((a, b) => a + b, 0);
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

describe('emitting bundles', () => {
  it('stages every new bundle, packed as packBundle packs it, with verdicts in LAN order', async () => {
    const build = await wireguardBuild();
    const sink = memorySink(new Map());
    const gateways = await emitBundles(build, sink);
    assert.deepEqual(
      gateways.map((g) => [g.lan, g.verdict]),
      build.topology.sites.map((s) => [s.name, 'new']),
    );
    assert.deepEqual(gateways[0]!.peers, ['branch', 'vpc-eu', 'home']);
    for (const site of build.topology.sites) assert.ok(sink.staged.get(site.name)!.equals(await packBundle(build.renderBundle(site))));
  });

  it('leaves alone what out/ already holds, and explains and stages only what differs', async () => {
    const build = await wireguardBuild();
    const first = memorySink(new Map());
    await emitBundles(build, first);
    const held = new Map(first.staged);
    const [hq] = build.topology.sites;
    const edited = build.renderBundle(hq!);
    edited.files = edited.files.map((f) => (f.path === 'README' ? { ...f, content: `${f.content}edited by hand\n` } : f));
    held.set('hq', await packBundle(edited));
    const second = memorySink(held);
    const gateways = await emitBundles(build, second);
    assert.deepEqual(
      gateways.map((g) => g.verdict),
      ['changed', 'unchanged', 'unchanged', 'unchanged'],
    );
    assert.deepEqual(gateways[0]!.reasons, [{ kind: 'files-changed', paths: ['README'] }]);
    assert.deepEqual([...second.staged.keys()], ['hq']);
    assert.ok(gunzipSync(second.staged.get('hq')!).equals(await tarBundle(build.renderBundle(hq!))));
  });

  it('keeps a tarball compressed another way when it holds the same tar, and replaces one whose tar headers differ', async () => {
    const build = await wireguardBuild();
    const [hq, branch] = build.topology.sites;
    const held = new Map<string, Buffer>();
    for (const site of build.topology.sites) held.set(site.name, await packBundle(build.renderBundle(site)));
    held.set('hq', gzipSync(await tarBundle(build.renderBundle(hq!)), { level: 1 }));
    const tar = await tarBundle(build.renderBundle(branch!));
    restamp(tar); // same files, different tar
    held.set('branch', gzipSync(tar));
    const sink = memorySink(held);
    const gateways = await emitBundles(build, sink);
    assert.deepEqual(
      gateways.map((g) => g.verdict),
      ['unchanged', 'changed', 'unchanged', 'unchanged'],
    );
    assert.deepEqual(gateways[1]!.reasons, [], 'nothing a user would see changed');
    assert.deepEqual([...sink.staged.keys()], ['branch']);
  });

  it('without a stage (plan) gives the same verdicts, renders no new bundle and writes nothing', async () => {
    const build = await wireguardBuild();
    const held = new Map([['branch', Buffer.from('not a tarball')]]);
    const rendered: string[] = [];
    const counting: MeshBuild = {
      ...build,
      renderBundle: (site) => {
        rendered.push(site.name);
        return build.renderBundle(site);
      },
    };
    const gateways = await emitBundles(counting, { previous: async (lan) => held.get(lan) });
    assert.deepEqual(
      gateways.map((g) => g.verdict),
      ['new', 'changed', 'new', 'new'],
    );
    assert.deepEqual(gateways[1]!.reasons, [{ kind: 'unreadable' }]);
    assert.deepEqual(rendered, ['branch'], 'a new bundle is new whatever it holds: plan does not render it');
  });

  it('plan renders only the tunnel files of a bundle whose facts already tell why it changed', async () => {
    const build = await wireguardBuild();
    const held = new Map<string, Buffer>();
    for (const site of build.topology.sites) held.set(site.name, await packBundle(build.renderBundle(site)));
    const hq = build.renderBundle(build.topology.sites[0]!);
    hq.files = hq.files.map((f) =>
      f.path.endsWith('.conf') ? { ...f, content: f.content.replace('Endpoint = 198.51.100.20:', 'Endpoint = 198.51.100.21:') } : f,
    );
    held.set('hq', await packBundle(hq));
    const rendered: string[] = [];
    const counting: MeshBuild = {
      ...build,
      renderBundle: (site) => {
        rendered.push(site.name);
        return build.renderBundle(site);
      },
    };
    const gateways = await emitBundles(counting, { previous: async (lan) => held.get(lan) });
    assert.deepEqual(
      gateways.map((g) => g.verdict),
      ['changed', 'unchanged', 'unchanged', 'unchanged'],
    );
    assert.deepEqual(
      gateways[0]!.reasons.map((r) => r.kind),
      ['endpoint-changed'],
    );
    assert.deepEqual(rendered.sort(), ['branch', 'home', 'vpc-eu']);
  });

  it('holds only a few bundles at a time: each is staged before many more are rendered', async () => {
    const build = await wireguardBuild();
    const sites = Array.from({ length: 40 }, (_, i) => build.topology.sites[i % 4]!);
    let pending = 0;
    let most = 0;
    const streaming: MeshBuild = {
      ...build,
      topology: { ...build.topology, sites },
      renderBundle: (site) => {
        most = Math.max(most, ++pending);
        return build.renderBundle(site);
      },
    };
    await emitBundles(streaming, { previous: async () => undefined, stage: async () => void pending-- });
    assert.ok(most <= 8, `${most} bundles were held at once`);
    assert.equal(pending, 0);
  });
});
