import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultStateDir } from '../src/io/lansFile.js';
import { loadState } from '../src/io/stateStore.js';
import { bundlePlanner } from '../src/plan/bundles.js';
import { renderBundle } from '../src/render/render.js';
import { validateLans } from '../src/validate/validate.js';

/**
 * Micro-benchmark of planning and rendering alone, one bundle at a time as a
 * streaming pipeline does: CPU time per pass over every gateway of a mesh
 * that `generate` has already run on (so no key is made). The first pass is
 * what one CLI run pays, JIT warm-up included; later ones show the steady state.
 *
 *   node dist/bench/render.js lans.yaml [--state DIR] [--passes N]
 */
const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { state: { type: 'string' }, passes: { type: 'string', default: '3' } } });
const file = positionals[0];
if (!file) throw new Error('usage: render.js lans.yaml [--state DIR] [--passes N]');
const { config } = validateLans(file, readFileSync(file, 'utf8'));
if (!config) throw new Error(`${file} does not validate: run p2pvpn validate`);
const { state, existed } = loadState(opts.state ?? defaultStateDir(file), config.mesh.name);
if (!existed) throw new Error('no state: run p2pvpn generate on it first');

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

for (let pass = 1; pass <= Number(opts.passes); pass++) {
  let planMs = 0;
  let renderMs = 0;
  let bytes = 0;
  let start = process.cpuUsage();
  const { topology, planBundle } = bundlePlanner(config, state);
  planMs += cpuMs(start);
  for (const site of topology.sites) {
    start = process.cpuUsage();
    const plan = planBundle(site);
    planMs += cpuMs(start);
    start = process.cpuUsage();
    for (const f of renderBundle(plan).files) bytes += f.content.length;
    renderMs += cpuMs(start);
  }
  const mib = (bytes / 2 ** 20).toFixed(1);
  console.log(`pass ${pass}: plan ${planMs.toFixed(0)} ms, render ${renderMs.toFixed(0)} ms CPU for ${topology.sites.length} bundles, ${mib} MiB of text`);
}
