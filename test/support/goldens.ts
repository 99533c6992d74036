import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { KeySource } from '../../src/crypto/keys.js';
import { nodeKeySource } from '../../src/crypto/keys.js';
import { loadState, saveState } from '../../src/io/stateStore.js';
import { formatReport, hasErrors, type Problem } from '../../src/model/problems.js';
import { buildMesh, renderAllBundles } from '../../src/pipeline.js';
import type { RenderedBundle } from '../../src/render/render.js';
import { sameStateAs, serializeState } from '../../src/state/serialize.js';
import { reporter, validateLans } from '../../src/validate/validate.js';
import { FIXTURES } from './cli.js';

/** Fixtures whose expected bundles are checked in: fixtures/golden-<case>/{lans.yaml,state/,expected/}. */
export function goldenCases(): string[] {
  return readdirSync(FIXTURES)
    .filter((d) => d.startsWith('golden-'))
    .sort();
}

/** A KeySource for runs that must not need new keys: the golden state already holds them all. */
export const noNewKeys: KeySource = {
  rsaKeyPair: () => Promise.reject(new Error('golden state lacks an RSA key; run npm run goldens')),
  x25519KeyPair: () => {
    throw new Error('golden state lacks a WireGuard key; run npm run goldens');
  },
  randomBytes: () => {
    throw new Error('golden state lacks a link key; run npm run goldens');
  },
};

/** Runs the in-process pipeline on a golden fixture with its checked-in state. */
export async function buildGolden(
  name: string,
  keys: KeySource = noNewKeys,
  lans = <T>(all: T[]): T[] => all,
): Promise<{ bundles: RenderedBundle[]; stateChanged: boolean; save: () => void }> {
  const dir = join(FIXTURES, name);
  const file = join(dir, 'lans.yaml');
  const { config, source, problems } = validateLans('lans.yaml', readFileSync(file, 'utf8'));
  if (!config || !source) throw new Error(formatReport(problems));
  const stateDir = join(dir, 'state');
  const { state } = loadState(stateDir, config.mesh.name);
  const more: Problem[] = [];
  // A fixed clock: only used when the state lacks keys (regeneration).
  const build = await buildMesh({ ...config, lans: lans(config.lans) }, state, keys, new Date('2026-01-01T00:00:00Z'), reporter(source, more));
  if (!build || hasErrors(more)) throw new Error(formatReport(more));
  const stateChanged = !sameStateAs(serializeState(build.state), state);
  return { bundles: renderAllBundles(build), stateChanged, save: () => saveState(stateDir, build.state) };
}

/** Expected files of a golden case, as path → content, plus modes from expected/MODES. */
export function readExpected(name: string): { files: Map<string, Buffer>; modes: string } {
  const root = join(FIXTURES, name, 'expected');
  const files = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (relative(root, path) !== 'MODES') files.set(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return { files, modes: readFileSync(join(root, 'MODES'), 'utf8') };
}

export function modesOf(bundles: RenderedBundle[]): string {
  return `${bundles
    .flatMap((b) => b.files.map((f) => `${f.mode.toString(8)} ${b.lan}/${f.path}`))
    .sort()
    .join('\n')}\n`;
}

/** Rewrites expected/ from the current code; reviewers read the diff. */
export async function regenerate(name: string): Promise<void> {
  // A state that lacks something this p2pvpn makes (a first run, a new kind of key) gets it, once.
  const { bundles, stateChanged, save } = await buildGolden(name, nodeKeySource);
  if (stateChanged || !existsSync(join(FIXTURES, name, 'state', 'mesh.json'))) save();
  const root = join(FIXTURES, name, 'expected');
  rmSync(root, { recursive: true, force: true });
  for (const bundle of bundles) {
    for (const file of bundle.files) {
      const path = join(root, bundle.lan, file.path);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, file.content);
    }
  }
  writeFileSync(join(root, 'MODES'), modesOf(bundles));
}
