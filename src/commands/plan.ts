import { writeLine, type Streams } from '../cli/io.js';
import { hasChanges, meshPlan } from '../change/compare.js';
import { reportExpiries } from '../change/expiryWarnings.js';
import { formatExpiries, formatGateways, formatTotals } from '../change/format.js';
import { placeholderKeySource } from '../crypto/placeholderKeys.js';
import { ExitCode } from '../errors.js';
import { readTarball } from '../io/bundleStore.js';
import { loadState } from '../io/stateStore.js';
import { emitBundles } from '../emit/emitBundles.js';
import { buildMesh } from '../pipeline.js';
import { sameStateAs, serializeState } from '../state/serialize.js';
import { formatReport, hasErrors } from '../validate/problems.js';
import { reporter, validateLans } from '../validate/validate.js';
import { defaultStateDir, readLansFile } from './generate.js';

export interface PlanOptions {
  out: string;
  state?: string;
  json?: boolean;
}

/**
 * `p2pvpn plan`: what generate would write, compared with out/ and the
 * state, gateway by gateway. Writes nothing and creates no secret: new keys
 * are placeholders. Exit 0 when nothing would change, 3 when something would.
 */
export async function runPlan(file: string, opts: PlanOptions, io: Streams): Promise<number> {
  const { config, source, problems } = validateLans(file, readLansFile(file));
  if (!config || !source) {
    writeLine(io.stderr, formatReport(problems));
    return ExitCode.userError;
  }
  const loaded = loadState(opts.state ?? defaultStateDir(file), config.mesh.name, (line) => writeLine(io.stderr, line));
  const prev = loaded.state;
  const now = new Date();
  const build = await buildMesh(config, prev, placeholderKeySource(), now, reporter(source, problems));
  if (build) reportExpiries(config, build.state.public, now, file, reporter(source, problems));
  if (problems.length > 0) writeLine(io.stderr, formatReport(problems));
  if (!build || hasErrors(problems)) return ExitCode.userError;

  // Nothing is written, so nothing is compressed: equal tar streams are enough to tell unchanged bundles.
  const gateways = await emitBundles(build, { previous: (lan) => readTarball(opts.out, lan) });
  const plan = meshPlan(build.topology.mesh, gateways, build.changes.removedLans, !sameStateAs(serializeState(build.state), prev, loaded.texts), build.state.public, now);
  if (opts.json) writeLine(io.stdout, JSON.stringify(plan, null, 2));
  else {
    const expiries = formatExpiries(plan.expiries);
    for (const line of [...formatGateways(plan, opts.out), '', ...expiries, ...(expiries.length > 0 ? [''] : []), formatTotals(plan)]) writeLine(io.stdout, line);
  }
  return hasChanges(plan) ? ExitCode.changesPending : ExitCode.ok;
}
