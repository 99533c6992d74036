import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { type FSWatcher, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadState } from '../src/io/stateStore.js';
import { assertOpenVpnMeshConsistent, assertWireGuardMeshConsistent, readBundles } from './support/bundleChecks.js';
import { BIN, runCli, withTempDir } from './support/cli.js';

/** A small seeded generator, so a failure can be replayed with the same delays. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A temporary state file: a write of mesh.json, secrets.json or a backup is under way. */
const STATE_TMP = /^(mesh|secrets)\.json(\.bak)?\.tmp-/;

const POOL = ['hq', 'branch', 'dc', 'vpc-eu', 'vpc-us', 'lab'];

function lansYaml(backend: string, names: string[]): string {
  const lans = names.map((name) => {
    const i = POOL.indexOf(name) + 1;
    return `  - name: ${name}\n    subnets: [10.${i}.0.0/16]\n    gateway:\n      endpoint: 198.51.100.${i}\n      lanAddress: 10.${i}.0.1\n`;
  });
  return `mesh:\n  name: kt\n  backend: ${backend}\n  transit: 172.19.0.0/16\nlans:\n${lans.join('')}`;
}

/**
 * Runs `generate` and kills it with SIGKILL: either `delayMs` after the
 * start, or, when `afterWriteMs` is given, that long after the first
 * temporary file appears in the state folder (seen from outside with
 * inotify, so the product needs no test hook). True when it finished first.
 */
function generateKilled(dir: string, when: { delayMs: number } | { afterWriteMs: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'generate', 'lans.yaml'], { cwd: dir, stdio: 'ignore' });
    const timers: NodeJS.Timeout[] = [];
    const kill = (): boolean => child.kill('SIGKILL');
    let watcher: FSWatcher | undefined;
    if ('delayMs' in when) timers.push(setTimeout(kill, when.delayMs));
    else {
      watcher = watch(join(dir, 'lans.state'), (_event, name) => {
        if (!name || !STATE_TMP.test(name)) return;
        watcher?.close();
        timers.push(setTimeout(kill, when.afterWriteMs));
      });
    }
    child.on('exit', (code) => {
      watcher?.close();
      timers.forEach(clearTimeout);
      resolve(code === 0);
    });
  });
}

/** The state files' bytes, to tell whether a killed run had begun writing them. */
function snapshot(stateDir: string): string {
  return ['mesh.json', 'secrets.json', 'mesh.json.bak', 'secrets.json.bak']
    .map((f) => {
      try {
        return readFileSync(join(stateDir, f), 'utf8');
      } catch {
        return '';
      }
    })
    .join('\0');
}

function generation(stateDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(stateDir, 'mesh.json'), 'utf8')) as { generation: number }).generation;
  } catch {
    return undefined;
  }
}

type Outcome = 'completed' | 'before the state write' | 'during the state write' | 'after the state write';

/**
 * Kills `generate` at random instants: a share anywhere in the run, the
 * rest at a random delay after its first write to the state folder, which is
 * where a torn state could come from. A run lasts hundreds of milliseconds
 * and its writes a few, so plain random timing would almost never hit them.
 */
async function killLoop(t: TestContext, backend: 'wireguard' | 'openvpn', iterations: number, anywhereShare: number, seed: number): Promise<void> {
  await withTempDir(async (dir) => {
    const stateDir = join(dir, 'lans.state');
    const random = mulberry32(seed);
    let names = POOL.slice(0, 3);
    writeFileSync(join(dir, 'lans.yaml'), lansYaml(backend, names));
    const started = Date.now();
    assert.equal(runCli(['generate', 'lans.yaml'], dir).code, 0);
    const runMs = Date.now() - started;
    // What follows the first state write (the rest of the state, renaming the staged tarballs) takes
    // a few milliseconds; the window halves each time a run finishes first.
    let writeWindowMs = 10;
    const outcomes = new Map<Outcome, number>();
    for (let i = 0; i < iterations; i++) {
      const toggle = POOL[3 + Math.floor(random() * 3)]!;
      names = names.includes(toggle) ? names.filter((n) => n !== toggle) : [...names, toggle];
      writeFileSync(join(dir, 'lans.yaml'), lansYaml(backend, names));
      const before = snapshot(stateDir);
      const beforeGeneration = generation(stateDir);
      const anywhere = random() < anywhereShare;
      const finished = await generateKilled(dir, anywhere ? { delayMs: runMs * random() } : { afterWriteMs: writeWindowMs * random() });
      if (finished && !anywhere) writeWindowMs *= 0.5;

      const warnings: string[] = [];
      const loaded = loadState(stateDir, 'kt', (l) => warnings.push(l));
      const torn = warnings.length > 0 || readdirSync(stateDir).some((n) => STATE_TMP.test(n));
      const wrote = snapshot(stateDir) !== before;
      const outcome: Outcome = finished
        ? 'completed'
        : !wrote && !torn
          ? 'before the state write'
          : torn || generation(stateDir) === beforeGeneration
            ? 'during the state write'
            : 'after the state write';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      assert.ok(loaded.existed);

      const next = runCli(['generate', 'lans.yaml'], dir);
      assert.equal(next.code, 0, `iteration ${i} (${outcome}): the next generate failed: ${next.stderr}`);
      const state = loadState(stateDir, 'kt').state;
      assert.deepEqual(Object.keys(state.public.lans).sort(), [...names].sort());
      const bundles = readBundles(join(dir, 'out'));
      assert.deepEqual([...bundles.keys()].sort(), [...names].sort(), 'out/ holds exactly the bundles of the LANs in lans.yaml');
      if (backend === 'wireguard') {
        assertWireGuardMeshConsistent(bundles, 'kt', Object.fromEntries(Object.entries(state.public.lans).map(([n, r]) => [n, r.wgPublicKey])));
      } else {
        assertOpenVpnMeshConsistent(bundles);
        for (const [lan, files] of bundles)
          assert.ok(
            files.get(`keys/${lan}.crt`)!.toString() === state.public.lans[lan]!.certificate!.pem,
            `${lan}: the certificate in its bundle is the one in mesh.json`,
          );
      }
    }
    t.diagnostic(`${backend}: ${[...outcomes].map(([o, n]) => `${n} ${o}`).join(', ')}`);
    const atOrAfterWrite = (outcomes.get('during the state write') ?? 0) + (outcomes.get('after the state write') ?? 0);
    assert.ok(atOrAfterWrite > 0, 'no kill landed at or after the state write; the test did not test anything');
  });
}

describe('generate killed at random instants', () => {
  it('WireGuard: the state always loads and the next run yields a consistent mesh', (t) => killLoop(t, 'wireguard', 12, 0.25, 20261122));
  it('OpenVPN: the state always loads and the next run yields a consistent mesh', (t) => killLoop(t, 'openvpn', 4, 0, 7));
});
