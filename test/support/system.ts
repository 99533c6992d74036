import { type SpawnSyncReturns, spawnSync } from 'node:child_process';

/**
 * Why a test that needs real system tools cannot run here, or undefined when it can.
 * CI sets P2PVPN_E2E=required: there a missing tool fails the test instead of skipping it.
 */
export function missing(...tools: string[]): string | undefined {
  const reasons = missingQuietly(...tools);
  if (reasons === undefined) return undefined;
  if (process.env['P2PVPN_E2E'] === 'required') throw new Error(`required tools are missing: ${reasons}`);
  return reasons;
}

/** Tools these tests run without root; every other one works on namespaces or the firewall. */
const USER_TOOLS = new Set(['shellcheck', 'systemd-analyze']);

/** Like missing(), but for an optional check that is skipped with its reason even in CI. */
export function missingQuietly(...tools: string[]): string | undefined {
  const reasons: string[] = [];
  if (tools.some((t) => !USER_TOOLS.has(t)) && process.getuid?.() !== 0) reasons.push('not root');
  for (const tool of tools) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) reasons.push(`${tool} not installed`);
  }
  return reasons.length === 0 ? undefined : reasons.join(', ');
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, cwd: opts.cwd, env: { ...process.env, ...opts.env } });
}

let counter = 0;

/** A throwaway network namespace, deleted whatever happens. */
export async function withNetns<T>(fn: (ns: string) => Promise<T> | T): Promise<T> {
  const ns = `p2pvpn-fw-${process.pid}-${counter++}`;
  const add = run('ip', ['netns', 'add', ns]);
  if (add.status !== 0) throw new Error(`ip netns add ${ns}: ${add.stderr}`);
  try {
    return await fn(ns);
  } finally {
    run('ip', ['netns', 'del', ns]);
  }
}

/** Runs a command inside a namespace. */
export function inNetns(
  ns: string,
  cmd: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): SpawnSyncReturns<string> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}
