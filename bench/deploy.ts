/**
 * `node dist/bench/deploy.js [--lans 10] [--reps 5]` (as root): p2pvpn deploy
 * with nothing to change and p2pvpn status over N namespaced gateways, each
 * with its own sshd, against Ansible's own floor for the same hosts:
 * `ansible -m ping` over the same inventory, with the same settings. Prints
 * a table of medians and ratios. Not part of npm test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ExecResult, exec } from '../test/e2e/exec.js';
import { buildNetwork, type LanSpec, privateRootOf } from '../test/e2e/mesh.js';
import { addUnderlayHost, cleanup, createLab } from '../test/e2e/netns.js';
import { sshClient, startSshd } from '../test/e2e/sshd.js';
import { BIN } from '../test/support/cli.js';

const { values } = parseArgs({ options: { lans: { type: 'string', default: '10' }, reps: { type: 'string', default: '5' } } });
const count = Number(values.lans);
const reps = Number(values.reps);

const specs: LanSpec[] = Array.from({ length: count }, (_, i) => ({
  name: `gw${i + 1}`,
  subnets: [`10.${i + 1}.0.0/24`],
  lanAddress: `10.${i + 1}.0.1`,
  endpoint: `198.51.100.${11 + i}`,
}));
const lanYaml = (s: (typeof specs)[number]): string =>
  `  - name: ${s.name}\n    subnets: [${s.subnets[0]}]\n    gateway: { endpoint: ${s.endpoint}, lanAddress: ${s.lanAddress} }\n`;
const yaml = `mesh: { name: bench, backend: wireguard, underlayMtu: 1400 }\nlans:\n${specs.map(lanYaml).join('')}`;

const lab = createLab();
try {
  const lans = join(lab.workDir, 'lans.yaml');
  writeFileSync(lans, yaml);
  const [mesh, client] = await Promise.all([buildNetwork(lab, specs, 1400, true), sshClient(lab)]);
  const controller = await addUnderlayHost(lab, mesh.underlay, 'ctl', '198.51.100.250');
  let known = '';
  for (const site of mesh.sites) known += (await startSshd(site.gateway, privateRootOf(lab, site.spec.name), client, [site.spec.endpoint!])).knownHosts;
  writeFileSync(client.knownHosts, known);
  const out = join(lab.workDir, 'out');
  const inCtl = (argv: string[]): Promise<ExecResult> =>
    exec(['ip', 'netns', 'exec', controller, ...argv], { env: { ...client.env, LC_ALL: 'C.UTF-8' }, allowFail: true, timeoutMs: 600_000 });
  const p2pvpn = (...args: string[]): Promise<ExecResult> => inCtl([process.execPath, BIN, ...args]);
  must(await p2pvpn('generate', lans, '--out', out, '--state', join(lab.workDir, 'state')), 'generate');
  must(await p2pvpn('deploy', lans, '--out', out, '--serial', String(count)), 'the first deploy');
  const runs: [string, string[], number][] = [
    ['ansible -m ping (floor)', ['ansible', 'p2pvpn_bench', '-i', join(out, 'inventory.yml'), '-m', 'ping', '--forks', String(count)], 0],
    ['p2pvpn deploy, nothing changed', [process.execPath, BIN, 'deploy', lans, '--out', out], 0],
    ['p2pvpn status', [process.execPath, BIN, 'status', lans, '--out', out], 0],
  ];
  // Interleaved, so that a change of the machine's load falls on every run alike.
  const times: number[][] = runs.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (const [i, [name, argv, want]] of runs.entries()) {
      const start = process.hrtime.bigint();
      const result = await inCtl(argv);
      times[i]!.push(Number(process.hrtime.bigint() - start) / 1e9);
      if (result.code !== want) throw new Error(`${name} exited ${result.code}: ${result.stdout}${result.stderr}`);
    }
  }
  const medians = times.map((t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
  for (const [i, [name]] of runs.entries()) process.stderr.write(`${name}: ${times[i]!.map((t) => t.toFixed(2)).join(' ')} s\n`);
  const floor = medians[0]!;
  const lines = [
    '| run | gateways | median | / floor |',
    '|---|---:|---:|---:|',
    ...runs.map(([name], i) => `| ${name} | ${count} | ${medians[i]!.toFixed(2)} s | ${(medians[i]! / floor).toFixed(2)}× |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n\nmedian of ${reps} runs each; targets: deploy and status within 2× the floor\n`);
  for (const [name] of runs.slice(1)) {
    const ratio = medians[runs.findIndex((r) => r[0] === name)]! / floor;
    process.stdout.write(`${ratio <= 2 ? 'ok  ' : 'FAIL'} ${name}: ${ratio.toFixed(2)}× (limit 2×)\n`);
  }
} finally {
  cleanup(lab);
}

function must(r: ExecResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stdout}${r.stderr}`);
}
