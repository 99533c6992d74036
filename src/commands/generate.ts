import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { writeLine, type Streams } from '../cli/io.js';
import { UserError } from '../errors.js';
import { formatReport, hasErrors, type Problem } from '../validate/problems.js';
import { reporter, validateLans } from '../validate/validate.js';

export interface GenerateOptions {
  out: string;
  state?: string;
}

/** `p2pvpn generate`: every check first, then state, then only the tarballs that changed. */
export async function runGenerate(file: string, opts: GenerateOptions, io: Streams): Promise<number> {
  const text = readLansFile(file);
  const { config, source, problems } = validateLans(file, text);
  if (!config || !source) return reportProblems(problems, io);
  // Loaded only for input that passed validation: a refusal stays quick (no archiver, forge, handlebars).
  const [{ nodeKeySource }, { loadState, saveState }, { writeBundles }, { packBundle }, { buildMesh }, { sameState }] = await Promise.all([
    import('../crypto/keys.js'),
    import('../io/stateStore.js'),
    import('../io/bundleStore.js'),
    import('../pack/tarball.js'),
    import('../pipeline.js'),
    import('../state/serialize.js'),
  ]);
  const stateDir = opts.state ?? defaultStateDir(file);
  const { state: prev } = loadState(stateDir, config.mesh.name);
  const build = await buildMesh(config, prev, nodeKeySource, new Date(), reporter(source, problems));
  if (!build || hasErrors(problems)) return reportProblems(problems, io);
  if (problems.length > 0) writeLine(io.stderr, formatReport(problems));

  const tarballs = await Promise.all(build.bundles.map(async (b) => ({ lan: b.lan, bytes: await packBundle(b) })));
  if (!sameState(prev, build.state)) saveState(stateDir, build.state);
  const written = writeBundles(opts.out, tarballs, build.changes.removedLans);
  for (const site of build.topology.sites) {
    const peers = build.topology.linksBySite.get(site.name)!.map((l) => (l.ends[0].name === site.name ? l.ends[1].name : l.ends[0].name));
    const verb = written.get(site.name) ?? 'unchanged';
    writeLine(io.stdout, `${verb.padEnd(9)} ${join(opts.out, `${site.name}.tar.gz`)}  ${peers.length} peers: ${peers.join(', ')}`);
  }
  for (const name of build.changes.removedLans) writeLine(io.stdout, `removed   ${join(opts.out, `${name}.tar.gz`)}  (LAN left the mesh)`);
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

function reportProblems(problems: Problem[], io: Streams): number {
  writeLine(io.stderr, formatReport(problems));
  return hasErrors(problems) ? 1 : 0;
}
