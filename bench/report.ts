import type { Backend } from '../src/model/schema.js';

export type Scenario = 'cold' | 'warm' | 'add-one' | 'plan';

/** One measured run kind: medians over the repetitions. */
export interface Row {
  backend: Backend;
  lans: number;
  links: number;
  scenario: Scenario;
  /** Median wall time of the CLI, spawn to exit; undefined when the command does not exist. */
  ms: number | undefined;
  runsMs: number[];
  floorMs?: number | undefined;
  ratio?: number | undefined;
  peakMiB?: number;
  bytesWritten?: number | undefined;
  work?: string | undefined;
}

export interface Target {
  name: string;
  value: number | undefined;
  limit: number;
  unit: string;
  /** undefined: not measured in this run (a size or command missing). */
  pass: boolean | undefined;
}

const find = (rows: Row[], backend: Backend, lans: number, scenario: Scenario): Row | undefined =>
  rows.find((r) => r.backend === backend && r.lans === lans && r.scenario === scenario);

/** The targets of issue 7, each evaluated on this run's numbers. */
export function checkTargets(rows: Row[], helpMs: number): Target[] {
  const targets: Target[] = [];
  const add = (name: string, value: number | undefined, limit: number, unit: string): void => {
    targets.push({ name, value, limit, unit, pass: value === undefined ? undefined : value < limit || (unit === '×' && value <= limit) });
  };
  for (const backend of ['wireguard', 'openvpn'] as const) {
    for (const lans of [100, 200]) add(`${backend} cold ${lans} LANs / floor`, find(rows, backend, lans, 'cold')?.ratio, 2, '×');
    const addLimit = backend === 'wireguard' ? 1000 : 2000;
    add(`${backend} add one LAN to 100`, find(rows, backend, 100, 'add-one')?.ms, addLimit, 'ms');
    add(`${backend} plan one LAN added to 100`, find(rows, backend, 100, 'plan')?.ms, 1000, 'ms');
    for (const scenario of ['cold', 'warm', 'add-one'] as const) {
      add(
        `${backend} ${scenario}: 200 vs 100 LANs beyond floor`,
        beyondFloorGrowth(find(rows, backend, 100, scenario), find(rows, backend, 200, scenario)),
        4.5,
        '×',
      );
    }
    add(`${backend} peak memory at 200 LANs`, peakAt(rows, backend, 200), 400, 'MiB');
  }
  add('p2pvpn --help', helpMs, 200, 'ms');
  return targets;
}

/** (time − floor) at 200 LANs over the same at 100: the part a generator controls should grow like the links (×4.02). */
function beyondFloorGrowth(small: Row | undefined, large: Row | undefined): number | undefined {
  if (small?.ms === undefined || large?.ms === undefined) return undefined;
  return (large.ms - (large.floorMs ?? 0)) / (small.ms - (small.floorMs ?? 0));
}

function peakAt(rows: Row[], backend: Backend, lans: number): number | undefined {
  const peaks = rows.filter((r) => r.backend === backend && r.lans === lans && r.peakMiB !== undefined).map((r) => r.peakMiB!);
  return peaks.length ? Math.max(...peaks) : undefined;
}

const seconds = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);

/** The table the benchmark prints, and the README shows. */
export function formatTable(rows: Row[], helpMs: number, targets: Target[]): string {
  const header = ['backend', 'LANs', 'links', 'run', 'time', 'floor', 'ratio', 'peak MiB', 'written MB'];
  const body = rows.map((r) => [
    r.backend,
    String(r.lans),
    String(r.links),
    r.scenario,
    seconds(r.ms),
    r.floorMs === undefined ? '-' : seconds(r.floorMs),
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}×`,
    r.peakMiB === undefined ? '-' : r.peakMiB.toFixed(0),
    r.bytesWritten === undefined ? '-' : (r.bytesWritten / 1e6).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 4 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`;
  const table = [line(header), rule, ...body.map(line)].join('\n');
  const checks = targets.map((t) => {
    const mark = t.pass === undefined ? 'n/a ' : t.pass ? 'ok  ' : 'FAIL';
    const value = t.value === undefined ? 'not measured' : t.unit === '×' ? `${t.value.toFixed(2)}×` : `${t.value.toFixed(0)} ${t.unit}`;
    return `${mark} ${t.name}: ${value} (limit ${t.unit === '×' ? `${t.limit}×` : `${t.limit} ${t.unit}`})`;
  });
  return `${table}\n\n\`p2pvpn --help\`: ${helpMs.toFixed(0)} ms\n\nTargets:\n${checks.join('\n')}`;
}
