import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend } from '../src/model/schema.js';
import { type CliRun, generate, hasPlanCommand, plan, ROOT, runCli, snapshot, writtenFiles } from './cli.js';
import { measureFloor } from './floor.js';
import { meshYaml } from './mesh.js';
import { checkTargets, formatTable, type Row, type Scenario } from './report.js';
import { countWork, describeWork, readState, type Work } from './work.js';

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,50,100,200' },
    backends: { type: 'string', default: 'wireguard,openvpn' },
    reps: { type: 'string', default: '3' },
    out: { type: 'string', default: join(ROOT, 'bench/results.json') },
  },
});
const sizes = opts.sizes.split(',').map(Number);
const backends = opts.backends.split(',') as Backend[];
const reps = Math.max(1, Number(opts.reps));
const OUTPUTS = ['out', 'state'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** One mesh folder with lans.yaml for `count` LANs. */
function meshDir(root: string, name: string, backend: Backend, count: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'lans.yaml'), meshYaml(backend, count));
  return dir;
}

/** Runs `generate` once in `dir` and returns the run with the work it did. */
function generateCounting(dir: string): { run: CliRun; work: Work } {
  const before = { snap: snapshot(dir, OUTPUTS), state: readState(join(dir, 'state')) };
  const run = generate(dir);
  const written = writtenFiles(before.snap, snapshot(dir, OUTPUTS));
  return { run, work: countWork(before.state, readState(join(dir, 'state')), written, dir) };
}

const signer = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

async function floorOf(work: Work): Promise<number> {
  const floors: number[] = [];
  for (let r = 0; r < reps; r++) floors.push(await measureFloor(work, signer));
  return median(floors);
}

function row(backend: Backend, lans: number, scenario: Scenario, runs: CliRun[], work: Work | undefined, floorMs: number | undefined): Row {
  const ms = median(runs.map((r) => r.ms));
  return {
    backend,
    lans,
    links: (lans * (lans - 1)) / 2,
    scenario,
    ms,
    runsMs: runs.map((r) => Math.round(r.ms)),
    floorMs,
    ratio: floorMs ? ms / floorMs : undefined,
    peakMiB: Math.max(...runs.map((r) => r.rssMiB)),
    bytesWritten: work?.bytesWritten,
    work: work ? describeWork(work) : undefined,
  };
}

async function benchMesh(root: string, backend: Backend, lans: number, withPlan: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  progress(`${backend} ${lans} LANs: cold`);
  const cold: CliRun[] = [];
  let base = '';
  let coldWork: Work | undefined;
  for (let r = 0; r < reps; r++) {
    const dir = meshDir(root, `${backend}-${lans}-cold-${r}`, backend, lans);
    const { run, work } = generateCounting(dir);
    cold.push(run);
    if (r === 0) [base, coldWork] = [dir, work];
    else rmSync(dir, { recursive: true, force: true });
  }
  rows.push(row(backend, lans, 'cold', cold, coldWork, await floorOf(coldWork!)));

  progress(`${backend} ${lans} LANs: warm, nothing changed`);
  const warm: CliRun[] = [];
  let warmWork: Work | undefined;
  for (let r = 0; r < reps; r++) {
    const { run, work } = generateCounting(base);
    warm.push(run);
    warmWork = work;
  }
  rows.push(row(backend, lans, 'warm', warm, warmWork, warmWork!.bytesWritten > 0 ? await floorOf(warmWork!) : undefined));

  progress(`${backend} ${lans} LANs: one LAN added`);
  const added: CliRun[] = [];
  const planned: CliRun[] = [];
  let addWork: Work | undefined;
  for (let r = 0; r < reps; r++) {
    const dir = join(root, `${backend}-${lans}-add-${r}`);
    cpSync(base, dir, { recursive: true });
    writeFileSync(join(dir, 'lans.yaml'), meshYaml(backend, lans + 1));
    if (withPlan) planned.push(plan(dir));
    const { run, work } = generateCounting(dir);
    added.push(run);
    addWork ??= work;
    rmSync(dir, { recursive: true, force: true });
  }
  rows.push(row(backend, lans, 'add-one', added, addWork, await floorOf(addWork!)));
  rows.push(
    withPlan
      ? row(backend, lans, 'plan', planned, undefined, undefined)
      : { backend, lans, links: (lans * (lans - 1)) / 2, scenario: 'plan', ms: undefined, runsMs: [] },
  );
  rmSync(base, { recursive: true, force: true });
  for (const r of rows)
    progress(
      `  ${r.scenario}: ${r.ms === undefined ? 'n/a' : `${Math.round(r.ms)} ms`}` +
        `${r.floorMs === undefined ? '' : `, floor ${Math.round(r.floorMs)} ms`}, runs ${r.runsMs.join(' ')}`,
    );
  return rows;
}

function helpTime(root: string): number {
  const runs: number[] = [];
  for (let r = 0; r < Math.max(5, reps); r++) runs.push(runCli(['--help'], root).ms);
  return median(runs);
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'p2pvpn-bench-'));
  try {
    const withPlan = hasPlanCommand(root);
    if (!withPlan) progress('this build has no `plan` command: its column reads n/a');
    const helpMs = helpTime(root);
    const rows: Row[] = [];
    for (const backend of backends) for (const lans of sizes) rows.push(...(await benchMesh(root, backend, lans, withPlan)));
    const targets = checkTargets(rows, helpMs);
    process.stdout.write(`${formatTable(rows, helpMs, targets)}\n`);
    const machine = {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    };
    const results = { kind: 'p2pvpn-bench', version: 1, date: new Date().toISOString(), machine, reps, helpMs, rows, targets };
    writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
    progress(`results written to ${opts.out}`);
    process.exitCode = targets.every((t) => t.pass !== false) ? 0 : 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
