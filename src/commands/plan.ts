import { hasChanges, meshPlan } from '../change/compare.js';
import { reportExpiries } from '../change/expiryWarnings.js';
import { formatExpiries, formatGateways, formatTotals } from '../change/format.js';
import { placeholderKeySource } from '../crypto/placeholderKeys.js';
import { emitBundles } from '../emit/emitBundles.js';
import { ExitCode } from '../errors.js';
import { readTarball } from '../io/bundleStore.js';
import { defaultStateDir, readLansFile } from '../io/lansFile.js';
import { type GlobalOptions, output } from '../io/output.js';
import { loadState } from '../io/stateStore.js';
import type { Streams } from '../io/streams.js';
import { hasErrors } from '../model/problems.js';
import { buildMesh } from '../pipeline.js';
import { sameStateAs, serializeState } from '../state/serialize.js';
import { reporter, validateLans } from '../validate/validate.js';

export interface PlanOptions extends GlobalOptions {
  out: string;
  state?: string;
  json?: boolean;
}

/**
 * `p2pvpn plan`: what generate would write, compared with out/ and the
 * state, gateway by gateway. Writes nothing and creates no secret: new keys
 * are placeholders. Exit 0 when nothing would change, 3 when something would.
 */
export async function runPlan(file: string, opts: PlanOptions, io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const { config, source, problems } = validateLans(file, readLansFile(file));
  if (!config || !source) {
    out.problems(problems);
    return ExitCode.userError;
  }
  const loaded = loadState(opts.state ?? defaultStateDir(file), config.mesh.name, (line) => out.error(line));
  const prev = loaded.state;
  const now = new Date();
  const build = await buildMesh(config, prev, placeholderKeySource(), now, reporter(source, problems));
  if (build) reportExpiries(config, build.state.public, now, file, reporter(source, problems));
  out.problems(problems);
  if (!build || hasErrors(problems)) return ExitCode.userError;

  // Nothing is written, so nothing is compressed: equal tar streams are enough to tell unchanged bundles.
  const gateways = await emitBundles(build, { previous: (lan) => readTarball(opts.out, lan) });
  const removed = [...build.changes.removedLans, ...build.changes.renamed.map((r) => r.from)];
  const stateChanged = !sameStateAs(serializeState(build.state), prev, loaded.texts);
  const plan = meshPlan(build.topology.mesh, gateways, removed, stateChanged, build.state.public, now, build.changes.renamed);
  if (opts.json) out.data(JSON.stringify(plan, null, 2));
  else {
    const expiries = formatExpiries(plan.expiries);
    for (const line of [...formatGateways(plan, opts.out), '', ...expiries, ...(expiries.length > 0 ? [''] : []), formatTotals(plan)]) out.data(line);
  }
  return hasChanges(plan) ? ExitCode.changesPending : ExitCode.ok;
}
