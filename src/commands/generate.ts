import { INVENTORY_FILE, inventoryHosts, renderInventory } from '../deploy/inventory.js';
import { ExitCode } from '../errors.js';
import { bundleStore } from '../io/bundleStore.js';
import { defaultStateDir, readLansFile } from '../io/lansFile.js';
import { withStateLock } from '../io/lock.js';
import { type GlobalOptions, type Output, output } from '../io/output.js';
import { loadState, saveState } from '../io/stateStore.js';
import type { Streams } from '../io/streams.js';
import { hasErrors, type Problem } from '../model/problems.js';
import type { LansConfig } from '../model/schema.js';
import type { SourceDoc } from '../parse/parseLans.js';
import { sameStateAs, serializeState } from '../state/serialize.js';
import { type MeshState, STATE_VERSION } from '../state/types.js';
import { reporter, validateLans } from '../validate/validate.js';

export interface GenerateOptions extends GlobalOptions {
  out: string;
  state?: string;
}

/** One run of generate: the lans file, where its bundles and state go, and (for rotate) a change to the state first. */
export interface GenerateRun {
  file: string;
  outDir: string;
  stateDir: string;
  /** The command named in the state lock while this runs. */
  command: string;
  /** Changes the loaded state before the build: how `rotate` makes one LAN's keys missing so they are made anew. */
  prepare?: (state: MeshState, config: LansConfig, now: Date) => MeshState;
}

/** lans.yaml that passed validation, with where each of its values stands in the file. */
interface Checked {
  config: LansConfig;
  source: SourceDoc;
  problems: Problem[];
}

/** `p2pvpn generate`: every check first, then state, then only the tarballs that changed. */
export function runGenerate(file: string, opts: GenerateOptions, io: Streams): Promise<ExitCode> {
  return generate({ file, outDir: opts.out, stateDir: opts.state ?? defaultStateDir(file), command: 'generate' }, output(io, opts));
}

export async function generate(run: GenerateRun, out: Output): Promise<ExitCode> {
  const { config, source, problems } = validateLans(run.file, readLansFile(run.file));
  if (!config || !source) return reportProblems(problems, out);
  // Always said, even with --quiet: a lock taken over or a state recovered after a crash is news.
  const say = (line: string): void => out.error(line);
  return withStateLock(run.stateDir, run.command, say, () => generateLocked(run, { config, source, problems }, out, say));
}

async function generateLocked(run: GenerateRun, { config, source, problems }: Checked, out: Output, say: (line: string) => void): Promise<ExitCode> {
  // Loaded only for input that passed validation: a refusal stays quick (no tar packer, forge, handlebars).
  const [{ nodeKeySource }, { buildMesh }, { emitBundles }, { meshPlan }, { formatGateways }, { reportExpiries }] = await Promise.all([
    import('../crypto/keys.js'),
    import('../pipeline.js'),
    import('../emit/emitBundles.js'),
    import('../change/compare.js'),
    import('../change/format.js'),
    import('../change/expiryWarnings.js'),
  ]);
  const loaded = loadState(run.stateDir, config.mesh.name, say);
  const { state: prev, existed } = loaded;
  out.detail(existed ? `state: ${run.stateDir}` : `state: ${run.stateDir} (new)`);
  const now = new Date();
  const progress = out.progress('generating keys');
  const start = run.prepare ? run.prepare(prev, config, now) : prev;
  const build = await buildMesh(config, start, nodeKeySource, now, reporter(source, problems), progress.update).finally(progress.done);
  if (!build || hasErrors(problems)) return reportProblems(problems, out);
  reportExpiries(config, build.state.public, now, run.file, reporter(source, problems));
  out.problems(problems);

  // Every bundle is staged before the state is saved and moved into place after: a failure on the way changes nothing.
  const store = bundleStore(run.outDir);
  try {
    const gateways = await emitBundles(build, store);
    await store.stageFile(INVENTORY_FILE, renderInventory(config, inventoryHosts(config, store.digest)));
    const texts = serializeState(build.state);
    const stateChanged = !sameStateAs(texts, prev, loaded.texts);
    if (stateChanged || loaded.upgradedFrom !== undefined) saveState(run.stateDir, build.state, loaded, undefined, texts);
    if (loaded.upgradedFrom !== undefined)
      out.warn(`p2pvpn: ${run.stateDir}: upgraded the state from format version ${loaded.upgradedFrom} to ${STATE_VERSION} (the old files are kept as .bak)`);
    // Every LAN that ever left, not only this run's: a run killed after saving the state still owes the deletion.
    // A gateway whose record moved to a new id (its LAN went from one gateway to several, or back) leaves its old bundle behind too.
    const moved = build.changes.renamed.map((r) => r.from);
    const gone = [...new Set([...build.changes.removedLans, ...Object.keys(build.state.public.retired), ...moved])].filter((name) => store.holds(name));
    store.commit(gone);
    const plan = meshPlan(build.topology.mesh, gateways, gone, stateChanged, build.state.public, now, build.changes.renamed);
    for (const line of formatGateways(plan, run.outDir)) out.info(line);
  } finally {
    store.discard();
  }
  return ExitCode.ok;
}

function reportProblems(problems: Problem[], out: Output): ExitCode {
  out.problems(problems);
  return hasErrors(problems) ? ExitCode.userError : ExitCode.ok;
}
