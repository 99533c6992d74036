import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { writeLine, type Streams } from '../cli/io.js';
import { nodeKeySource } from '../crypto/keys.js';
import { UserError } from '../errors.js';
import { withStateLock } from '../io/lock.js';
import { loadState, saveState } from '../io/stateStore.js';
import type { SourceDoc } from '../parse/parseLans.js';
import { STATE_VERSION } from '../state/types.js';
import type { LansConfig } from '../validate/schema.js';
import { writeBundles } from '../io/bundleStore.js';
import { packBundle } from '../pack/tarball.js';
import { buildMesh } from '../pipeline.js';
import { sameState } from '../state/serialize.js';
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
  const stateDir = opts.state ?? defaultStateDir(file);
  const warn = (line: string): void => writeLine(io.stderr, line);
  return withStateLock(stateDir, 'generate', warn, () => generateLocked(config, source, problems, stateDir, opts, io));
}

async function generateLocked(config: LansConfig, source: SourceDoc, problems: Problem[], stateDir: string, opts: GenerateOptions, io: Streams): Promise<number> {
  const loaded = loadState(stateDir, config.mesh.name, (line) => writeLine(io.stderr, line));
  const prev = loaded.state;
  const build = await buildMesh(config, prev, nodeKeySource, new Date(), reporter(source, problems));
  if (!build || hasErrors(problems)) return reportProblems(problems, io);
  if (problems.length > 0) writeLine(io.stderr, formatReport(problems));

  const tarballs = await Promise.all(build.bundles.map(async (b) => ({ lan: b.lan, bytes: await packBundle(b) })));
  if (!sameState(prev, build.state) || loaded.upgradedFrom !== undefined) saveState(stateDir, build.state, loaded);
  if (loaded.upgradedFrom !== undefined) writeLine(io.stderr, `p2pvpn: ${stateDir}: upgraded the state from format version ${loaded.upgradedFrom} to ${STATE_VERSION} (the old files are kept as .bak)`);
  // Every LAN that ever left, not only this run's: a run killed after saving the state still owes the deletion.
  const gone = [...new Set([...build.changes.removedLans, ...Object.keys(build.state.public.retired)])].filter((name) => existsSync(join(opts.out, `${name}.tar.gz`)));
  const written = writeBundles(opts.out, tarballs, gone);
  for (const site of build.topology.sites) {
    const peers = build.topology.linksBySite.get(site.name)!.map((l) => (l.ends[0].name === site.name ? l.ends[1].name : l.ends[0].name));
    const verb = written.get(site.name) ?? 'unchanged';
    writeLine(io.stdout, `${verb.padEnd(9)} ${join(opts.out, `${site.name}.tar.gz`)}  ${peers.length} peers: ${peers.join(', ')}`);
  }
  for (const name of gone) writeLine(io.stdout, `removed   ${join(opts.out, `${name}.tar.gz`)}  (LAN left the mesh)`);
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
