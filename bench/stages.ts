/**
 * Where the CPU of "add one LAN to an N-LAN mesh" goes, stage by stage: the
 * real CLI generates the mesh, then this process runs generate's stages for
 * one more LAN one after another on one core, timing each, and writes
 * nothing. From the split it prints the best any schedule of this code could
 * do on this machine's cores: the stages before the first bundle exists run
 * alone; the rest, compression included, shared perfectly by every core.
 *
 *   node dist/bench/stages.js [--backend wireguard|openvpn] [--lans 100]
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { parseArgs } from 'node:util';
import { readIfExists } from '../src/io/files.js';
import type { Backend } from '../src/model/schema.js';
import { generate } from './cli.js';
import { meshYaml } from './mesh.js';

/** CPU of node's own start and of this file's static imports: the part of start-up before any module of p2pvpn. */
const bootMs = cpuSince({ user: 0, system: 0 });
const { values: opts } = parseArgs({ options: { backend: { type: 'string', default: 'wireguard' }, lans: { type: 'string', default: '100' } } });
const backend = opts.backend as Backend;
const lans = Number(opts.lans);

/** CPU milliseconds (user + system) of this process since `from`. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = cpuUsage(from);
  return (d.user + d.system) / 1000;
}

/** Stages that run alone: before the first bundle exists, and after the last one. */
const SERIAL = ['node start and modules', 'validate lans.yaml', 'load the state', 'allocate, keys, certificates', 'serialize the state'];

const spent = new Map<string, number>();
async function timed<T>(stage: string, work: () => T | Promise<T>): Promise<T> {
  const from = cpuUsage();
  const result = await work();
  spent.set(stage, (spent.get(stage) ?? 0) + cpuSince(from));
  return result;
}

/** The modules `p2pvpn generate` loads (the CLI and the command, then what it loads once the input is valid). */
async function loadModules() {
  const [, , validate, stateStore, serialize, pipeline, keys, tarball, untar, compare] = await Promise.all([
    import('../src/cli/main.js'),
    import('../src/commands/generate.js'),
    import('../src/validate/validate.js'),
    import('../src/io/stateStore.js'),
    import('../src/state/serialize.js'),
    import('../src/pipeline.js'),
    import('../src/crypto/keys.js'),
    import('../src/pack/tarball.js'),
    import('../src/pack/untar.js'),
    import('../src/change/compare.js'),
    import('../src/emit/emitBundles.js'),
    import('../src/change/format.js'),
    import('../src/change/expiryWarnings.js'),
  ]);
  return { ...validate, ...stateStore, ...serialize, ...pipeline, ...keys, ...tarball, ...untar, ...compare };
}

async function measure(dir: string): Promise<void> {
  spent.set('node start and modules', bootMs);
  const m = await timed('node start and modules', loadModules);
  const { config, source } = await timed('validate lans.yaml', () => m.validateLans('lans.yaml', readFileSync(join(dir, 'lans.yaml'), 'utf8')));
  if (!config || !source) throw new Error('the synthetic lans.yaml does not validate');
  const loaded = await timed('load the state', () => m.loadState(join(dir, 'state'), config.mesh.name));
  const build = await timed('allocate, keys, certificates', () => m.buildMesh(config, loaded.state, m.nodeKeySource, new Date(), m.reporter(source, [])));
  if (!build) throw new Error('the synthetic mesh does not build');
  const revoked = new Map(build.state.public.revoked.map((r) => [r.serial, r.name]));
  for (const site of build.topology.sites) {
    const previous = await timed('read old tarballs', () => readIfExists(join(dir, 'out', `${site.name}.tar.gz`)));
    const oldTar = previous && (await timed('gunzip old tarballs', () => m.gunzipTarball(previous)));
    const oldFiles = oldTar && (await timed('unpack old tarballs', () => m.filesOfTar(oldTar)));
    const bundle = await timed('render bundles', () => build.renderBundle(site));
    const same = oldFiles !== undefined && (await timed('compare with the old', () => m.sameFiles(oldFiles, bundle.files)));
    if (same) continue;
    if (oldFiles) await timed('explain changes', () => m.explainBundle(bundle, oldFiles, revoked));
    const tar = await timed('pack tars', () => m.tarBundle(bundle));
    await timed('gzip (the floor)', () => m.gzipTar(tar));
  }
  await timed('serialize the state', () => {
    const texts = m.serializeState(build.state);
    return texts.public.length + texts.secrets.length;
  });
  report();
}

function report(): void {
  const cores = availableParallelism();
  const total = [...spent.values()].reduce((a, b) => a + b, 0);
  const serial = SERIAL.reduce((sum, stage) => sum + (spent.get(stage) ?? 0), 0);
  const rows = [...spent].map(([stage, ms]) => `${stage.padEnd(30)} ${ms.toFixed(0).padStart(6)} ms  ${SERIAL.includes(stage) ? 'alone' : ''}`);
  process.stdout.write(
    [
      `${backend}, one LAN added to ${lans}: CPU per stage, one stage at a time`,
      ...rows,
      `${'total'.padEnd(30)} ${total.toFixed(0).padStart(6)} ms`,
      `best schedule on ${cores} cores: ${serial.toFixed(0)} ms alone + ${(total - serial).toFixed(0)} ms / ${cores}` +
        ` = ${(serial + (total - serial) / cores).toFixed(0)} ms wall`,
      '',
    ].join('\n'),
  );
}

const root = mkdtempSync(join(tmpdir(), 'p2pvpn-stages-'));
try {
  writeFileSync(join(root, 'lans.yaml'), meshYaml(backend, lans));
  generate(root);
  writeFileSync(join(root, 'lans.yaml'), meshYaml(backend, lans + 1));
  await measure(root);
} finally {
  rmSync(root, { recursive: true, force: true });
}
