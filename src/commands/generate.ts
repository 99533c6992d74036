import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Streams } from '../cli/io.js';
import { output, type GlobalOptions, type Output } from '../cli/output.js';
import { UserError } from '../errors.js';
import { INVENTORY_FILE, inventoryHosts, renderInventory } from '../deploy/inventory.js';
import { withStateLock } from '../io/lock.js';
import { loadState, saveState } from '../io/stateStore.js';
import type { SourceDoc } from '../parse/parseLans.js';
import { bundleStore } from '../io/bundleStore.js';
import { sameStateAs, serializeState } from '../state/serialize.js';
import { STATE_VERSION, type MeshState } from '../state/types.js';
import type { LansConfig } from '../validate/schema.js';
import { hasErrors, type Problem } from '../validate/problems.js';
import { reporter, validateLans } from '../validate/validate.js';

export interface GenerateOptions extends GlobalOptions {
  out: string;
  state?: string;
  /** Changes the loaded state before the build: how `rotate` makes one LAN's keys missing so they are made anew. */
  prepare?: (state: MeshState, config: LansConfig, now: Date) => MeshState;
  /** The command named in the state lock while this runs. */
  command?: string;
}

/** `p2pvpn generate`: every check first, then state, then only the tarballs that changed. */
export async function runGenerate(file: string, opts: GenerateOptions, io: Streams): Promise<number> {
  const out = output(io, opts);
  const text = readLansFile(file);
  const { config, source, problems } = validateLans(file, text);
  if (!config || !source) return reportProblems(problems, out);
  const stateDir = opts.state ?? defaultStateDir(file);
  // Always said, even with --quiet: a lock taken over or a state recovered after a crash is news.
  const say = (line: string): void => out.error(line);
  return withStateLock(stateDir, opts.command ?? 'generate', say, () => generateLocked(file, config, source, problems, stateDir, opts, out, say));
}

async function generateLocked(file: string, config: LansConfig, source: SourceDoc, problems: Problem[], stateDir: string, opts: GenerateOptions, out: Output, say: (line: string) => void): Promise<number> {
  // Loaded only for input that passed validation: a refusal stays quick (no tar packer, forge, handlebars).
  const [{ nodeKeySource }, { buildMesh }, { emitBundles }, { meshPlan }, { formatGateways }, { reportExpiries }] = await Promise.all([
    import('../crypto/keys.js'),
    import('../pipeline.js'),
    import('../emit/emitBundles.js'),
    import('../change/compare.js'),
    import('../change/format.js'),
    import('../change/expiryWarnings.js'),
  ]);
  const loaded = loadState(stateDir, config.mesh.name, say);
  const { state: prev, existed } = loaded;
  out.detail(existed ? `state: ${stateDir}` : `state: ${stateDir} (new)`);
  const now = new Date();
  const progress = out.progress('generating keys');
  const start = opts.prepare ? opts.prepare(prev, config, now) : prev;
  const build = await buildMesh(config, start, nodeKeySource, now, reporter(source, problems), progress.update).finally(progress.done);
  if (!build || hasErrors(problems)) return reportProblems(problems, out);
  reportExpiries(config, build.state.public, now, file, reporter(source, problems));
  out.problems(problems);

  // Every bundle is staged before the state is saved and moved into place after: a failure on the way changes nothing.
  const store = bundleStore(opts.out);
  try {
    const gateways = await emitBundles(build, store);
    await store.stageFile(INVENTORY_FILE, renderInventory(config, inventoryHosts(config, store.digest)));
    const texts = serializeState(build.state);
    const stateChanged = !sameStateAs(texts, prev, loaded.texts);
    if (stateChanged || loaded.upgradedFrom !== undefined) saveState(stateDir, build.state, loaded, undefined, texts);
    if (loaded.upgradedFrom !== undefined) out.warn(`p2pvpn: ${stateDir}: upgraded the state from format version ${loaded.upgradedFrom} to ${STATE_VERSION} (the old files are kept as .bak)`);
    // Every LAN that ever left, not only this run's: a run killed after saving the state still owes the deletion.
    const gone = [...new Set([...build.changes.removedLans, ...Object.keys(build.state.public.retired)])].filter((name) => existsSync(join(opts.out, `${name}.tar.gz`)));
    store.commit(gone);
    for (const line of formatGateways(meshPlan(build.topology.mesh, gateways, gone, stateChanged, build.state.public, now), opts.out)) out.info(line);
  } finally {
    store.discard();
  }
  return 0;
}

export function defaultStateDir(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.state`);
}

export function readLansFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: no such file; create one with "p2pvpn init ${file}"` : `${file}: cannot read it (${code ?? 'unknown error'})`);
  }
}

function reportProblems(problems: Problem[], out: Output): number {
  out.problems(problems);
  return hasErrors(problems) ? 1 : 0;
}
