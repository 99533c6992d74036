import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/bench/cli.js). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'dist/src/cli/bin.js');
const HOOK = new URL('./rssHook.js', import.meta.url).href;

export interface CliRun {
  ms: number;
  code: number;
  stderr: string;
  /** Peak resident set size of the CLI process, MiB. */
  rssMiB: number;
}

/** Runs the real CLI in `cwd` and times it from spawn to exit, as a user would see it. */
export function runCli(args: string[], cwd: string): CliRun {
  const rssFile = join(cwd, '.bench-rss');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...cleanEnv(), NO_COLOR: '1', P2PVPN_BENCH_RSS: rssFile },
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rssMiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : NaN;
  rmSync(rssFile, { force: true });
  return { ms, code: r.status ?? -1, stderr: r.stderr, rssMiB };
}

/**
 * The environment without settings that change how node itself starts:
 * NODE_EXTRA_CA_CERTS alone makes every node process parse a CA bundle at
 * startup (about 70 ms here), which measures the machine, not p2pvpn.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS']) delete env[name];
  return env;
}

/** Runs `p2pvpn generate` with explicit out and state folders; any failure stops the benchmark. */
export function generate(cwd: string): CliRun {
  const run = runCli(['generate', 'lans.yaml', '--out', 'out', '--state', 'state'], cwd);
  if (run.code !== 0) throw new Error(`generate failed in ${cwd} (exit ${run.code}):\n${run.stderr}`);
  return run;
}

/** Whether this build has a `plan` command (it arrives on another branch). */
export function hasPlanCommand(cwd: string): boolean {
  const r = spawnSync(process.execPath, [BIN, 'plan', '--help'], { cwd, encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('Usage: p2pvpn plan');
}

export function plan(cwd: string): CliRun {
  const run = runCli(['plan', 'lans.yaml', '--out', 'out', '--state', 'state'], cwd);
  // A plan may signal "changes pending" with its own exit code; only usage or internal errors stop us.
  if (run.code === 2 || run.code === 70 || run.code < 0) throw new Error(`plan failed in ${cwd} (exit ${run.code}):\n${run.stderr}`);
  return run;
}

/** path → content hash and size of every file under the folders, to see what a run wrote. */
export type Snapshot = Map<string, { hash: string; size: number }>;

export function snapshot(cwd: string, dirs: string[]): Snapshot {
  const snap: Snapshot = new Map();
  for (const dir of dirs) {
    const abs = join(cwd, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs)) {
      const path = join(abs, name);
      if (!statSync(path).isFile()) continue;
      const bytes = readFileSync(path);
      snap.set(join(dir, name), { hash: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    }
  }
  return snap;
}

/** Files that are new or whose content changed between two snapshots. */
export function writtenFiles(before: Snapshot, after: Snapshot): { path: string; size: number }[] {
  return [...after].filter(([path, f]) => before.get(path)?.hash !== f.hash).map(([path, f]) => ({ path, size: f.size }));
}
