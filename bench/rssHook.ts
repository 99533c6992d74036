import { writeFileSync } from 'node:fs';

/**
 * Loaded with `node --import` into the CLI the benchmark spawns: at exit it
 * writes the process's peak resident set size (KiB) to the file named by
 * P2PVPN_BENCH_RSS, since a parent cannot read a child's maxRSS portably.
 */
const target = process.env['P2PVPN_BENCH_RSS'];
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
