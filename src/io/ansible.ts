import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The playbooks shipped in the package (ansible/ at its root). */
export const ANSIBLE_DIR = fileURLToPath(new URL('../../../ansible/', import.meta.url));

/** The full path of `name` on PATH, or undefined. */
export function findOnPath(name: string, env: Record<string, string | undefined>): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface AnsibleRun {
  code: number;
  stderrTail: string;
  /** The last result of every host, from the tree callback's files. */
  results: Map<string, unknown>;
}

/**
 * Runs an Ansible command with the tree callback on, writing one JSON file
 * per host into a private temporary folder, and reads them back. Ansible's
 * own screen output goes to `echo` (for --verbose) and is otherwise dropped,
 * but for the end of its standard error, kept for a failure to quote.
 */
export async function runAnsible(
  argv: string[],
  env: Record<string, string | undefined>,
  echo: ((text: string) => void) | undefined,
  tree: 'adhoc' | 'playbook',
): Promise<AnsibleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'p2pvpn-ansible-'));
  try {
    const enabled = [env['ANSIBLE_CALLBACKS_ENABLED'], 'tree'].filter(Boolean).join(',');
    const treeEnv = tree === 'adhoc' ? {} : { ANSIBLE_CALLBACKS_ENABLED: enabled, ANSIBLE_CALLBACK_TREE_DIR: dir };
    const args = tree === 'adhoc' ? [...argv.slice(1), '--tree', dir] : argv.slice(1);
    const { code, stderrTail } = await spawnAnsible(
      argv[0]!,
      args,
      { ...env, ...utf8Locale(env), ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_NOCOLOR: '1', ...treeEnv },
      echo,
    );
    return { code, stderrTail, results: readTree(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ansible refuses to start unless the locale's encoding is UTF-8 (LC_ALL=C is common in CI): C.UTF-8 then. */
function utf8Locale(env: Record<string, string | undefined>): Record<string, string> {
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  return /utf-?8/i.test(locale) ? {} : { LC_ALL: 'C.UTF-8' };
}

function spawnAnsible(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  echo: ((text: string) => void) | undefined,
): Promise<{ code: number; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => echo?.(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      echo?.(chunk);
      tail = (tail + chunk).slice(-4000);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderrTail: tail }));
  });
}

function readTree(dir: string): Map<string, unknown> {
  const results = new Map<string, unknown>();
  for (const host of readdirSync(dir)) {
    try {
      results.set(host, JSON.parse(readFileSync(join(dir, host), 'utf8')));
    } catch {
      // a file Ansible did not finish: the host has no result
    }
  }
  return results;
}
