import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { filesOfTar } from '../../src/pack/untar.js';

/** The LANs tests grow and shrink meshes with: distinct names, so a name found in a file means that LAN. */
export const LANS = [
  { name: 'hq', subnets: ['10.10.0.0/16'], endpoint: 'vpn.hq.example.com' },
  { name: 'branch', subnets: ['192.168.10.0/24', '192.168.11.0/24'], endpoint: '198.51.100.20' },
  { name: 'vpc-eu', subnets: ['10.20.0.0/20'], endpoint: '203.0.113.30' },
  { name: 'vpc-us', subnets: ['10.30.0.0/22'], endpoint: '203.0.113.40' },
  { name: 'branch-2', subnets: ['10.40.0.0/16'], endpoint: '198.51.100.50' },
];

export function lansYaml(backend: 'openvpn' | 'wireguard', names: string[], extra = ''): string {
  const lans = names.map((name) => {
    const lan = LANS.find((l) => l.name === name)!;
    const lanAddress = lan.subnets[0]!.replace(/0\/\d+$/, '1');
    return `  - name: ${name}\n    subnets: [${lan.subnets.join(', ')}]\n    gateway:\n      endpoint: ${lan.endpoint}\n      lanAddress: ${lanAddress}\n`;
  });
  return `mesh:\n  name: lab\n  backend: ${backend}\n${extra}\nlans:\n${lans.join('\n')}`;
}

export function writeLans(dir: string, backend: 'openvpn' | 'wireguard', names: string[]): void {
  writeFileSync(join(dir, 'lans.yaml'), lansYaml(backend, names));
}

/** Every bundle in a folder: LAN → (path inside the bundle → bytes). */
export async function readOut(out: string): Promise<Map<string, Map<string, Buffer>>> {
  const bundles = new Map<string, Map<string, Buffer>>();
  for (const file of readdirSync(out)
    .filter((f) => f.endsWith('.tar.gz'))
    .sort()) {
    const files = await filesOfTar(gunzipSync(readFileSync(join(out, file))));
    bundles.set(file.replace(/\.tar\.gz$/, ''), new Map(files.map((f) => [f.path, f.content])));
  }
  return bundles;
}

/** Files of two versions of one bundle: added, removed and changed paths. */
export function fileChanges(old: Map<string, Buffer>, now: Map<string, Buffer>): { added: string[]; removed: string[]; changed: string[] } {
  return {
    added: [...now.keys()].filter((p) => !old.has(p)).sort(),
    removed: [...old.keys()].filter((p) => !now.has(p)).sort(),
    changed: [...now.keys()].filter((p) => old.has(p) && !old.get(p)!.equals(now.get(p)!)).sort(),
  };
}

/** True when `now` is `old` with lines inserted and none changed or removed (old is a subsequence of now). */
export function onlyAddsLines(old: string, now: string): boolean {
  const before = old.split('\n');
  let i = 0;
  for (const line of now.split('\n')) if (i < before.length && line === before[i]) i++;
  return i === before.length;
}

/** Copies a folder, to keep what out/ held before a change. */
export function snapshot(from: string, to: string): void {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}

/** Runs openssl with files written to `dir`; never prints key material (only certificates and CRLs go in). */
export function openssl(dir: string, args: string[], files: Record<string, Buffer | string>): { code: number; output: string } {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.ok(r.error === undefined, 'openssl runs');
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/**
 * Runs a command in this process, from `dir`, with buffers for streams:
 * much faster than spawning the binary, so scenarios with many steps stay quick.
 */
export async function runInProcess(args: string[], dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} };
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return { code: await main(args, io), stdout, stderr };
  } finally {
    process.chdir(cwd);
  }
}
