import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Loaded with `node --import` into the CLI the benchmark spawns: at exit it
 * writes the process's peak resident set size (KiB) to the file named by
 * P2PVPN_BENCH_RSS, since a parent cannot read a child's maxRSS portably.
 * Linux's VmHWM counts only this program's memory; getrusage's maxRSS also
 * keeps the resident size of the benchmark process at the fork that started
 * it (Linux carries it over exec), which is hundreds of MiB after a 200-LAN floor.
 */
const target = process.env['P2PVPN_BENCH_RSS'];
if (target) process.on('exit', () => writeFileSync(target, String(peakKiB())));

function peakKiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // Not Linux: maxRSS, which may include the parent's share.
  }
  return process.resourceUsage().maxRSS;
}
