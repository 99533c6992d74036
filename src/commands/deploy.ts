import { join } from 'node:path';
import { INVENTORY_FILE, inventoryHosts, meshGroup, renderInventory, sshTarget } from '../deploy/inventory.js';
import { anyFailed, deployOutcomes, formatOutcomes } from '../deploy/outcome.js';
import { ExitCode, UserError } from '../errors.js';
import { ANSIBLE_DIR, findOnPath, runAnsible } from '../io/ansible.js';
import { tarballDigest } from '../io/bundleStore.js';
import { exists, readIfExists } from '../io/files.js';
import { readLansFile } from '../io/lansFile.js';
import { type GlobalOptions, type Output, output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { allGateways } from '../model/gateways.js';
import type { LansConfig } from '../model/schema.js';
import { validateLans } from '../validate/validate.js';

export interface DeployOptions extends GlobalOptions {
  out: string;
  check?: boolean;
  limit?: string;
  serial: string;
  keepGoing?: boolean;
}

/** At most this many SSH connections at once (Ansible's forks). */
const MAX_FORKS = 50;

/**
 * `p2pvpn deploy`: runs ansible/deploy.yml over out/inventory.yml and prints
 * one line per gateway. Exit 0 when every gateway is done, 4 when one failed,
 * 2 when ansible-playbook is missing.
 */
export async function runDeploy(file: string, opts: DeployOptions, extra: string[], io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const serial = Number(opts.serial);
  if (!/^[1-9]\d{0,5}$/.test(opts.serial)) throw new UserError(`--serial ${opts.serial}: give a whole number of gateways from 1 up`);
  const prepared = prepareAnsible(file, opts.out, opts.limit, 'ansible-playbook', out, io);
  if (typeof prepared === 'number') return prepared;
  const { config, targets, inventory, command } = prepared;
  checkInventory(config, opts.out, inventory);
  const vars = { p2pvpn_serial: serial, p2pvpn_keep_going: opts.keepGoing === true };
  const argv = [
    command,
    '-i',
    inventory,
    join(ANSIBLE_DIR, 'deploy.yml'),
    '--forks',
    String(Math.min(MAX_FORKS, Math.max(1, targets.length))),
    '--extra-vars',
    JSON.stringify(vars),
  ];
  if (opts.limit !== undefined) argv.push('--limit', targets.join(','));
  if (opts.check) argv.push('--check');
  out.detail(`running: ${[...argv, ...extra].join(' ')}`);
  const run = await runAnsible([...argv, ...extra], io.env, opts.verbose ? (text) => io.stderr.write(text) : undefined, 'playbook');
  const outcomes = deployOutcomes(targets, run.results, opts.check === true);
  for (const line of formatOutcomes(outcomes)) out.data(line);
  if (opts.check) out.info('--check: nothing was changed on any gateway');
  // Ansible that stopped before any gateway (a bad argument, an unreadable inventory) says why only on stderr.
  if (run.code !== 0 && (run.results.size === 0 || !anyFailed(outcomes))) out.error(`p2pvpn: ansible-playbook exited ${run.code}:\n${run.stderrTail.trim()}`);
  return anyFailed(outcomes) || run.code !== 0 ? ExitCode.gatewayFailed : ExitCode.ok;
}

export interface PreparedAnsible {
  config: LansConfig;
  /** The LANs to act on, in lans.yaml order. */
  targets: string[];
  inventory: string;
  command: string;
}

/** What deploy and status share: a valid lans.yaml, the gateways to reach, the inventory, the Ansible command. */
export function prepareAnsible(
  file: string,
  outDir: string,
  limit: string | undefined,
  tool: 'ansible' | 'ansible-playbook',
  out: Output,
  io: Streams,
): PreparedAnsible | ExitCode {
  const { config, problems } = validateLans(file, readLansFile(file));
  out.problems(problems);
  if (!config) return ExitCode.userError;
  const targets = selectTargets(config, limit);
  const inventory = join(outDir, INVENTORY_FILE);
  if (!exists(inventory)) throw new UserError(`${inventory}: no inventory; run "p2pvpn generate ${file}" first`);
  const command = findOnPath(tool, io.env);
  if (command === undefined) {
    out.error(`p2pvpn: ${tool} is not installed; install it with "apt-get install ansible-core" (Debian, Ubuntu) or your system's ansible-core package`);
    return ExitCode.usage;
  }
  return { config, targets, inventory, command };
}

/** The LANs named by --limit (all by default); each must exist and be reachable over SSH. */
function selectTargets(config: LansConfig, limit: string | undefined): string[] {
  const gateways = allGateways(config);
  const names = gateways.map((g) => g.id);
  const wanted =
    limit === undefined
      ? names
      : limit
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const unknown = wanted.filter((w) => !names.includes(w));
  if (unknown.length > 0)
    throw new UserError(
      `--limit: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a gateway' : 'are not gateways'} of ${config.mesh.name}` +
        ` (its gateways: ${names.join(', ')})`,
    );
  const unreachable = gateways.filter((g) => wanted.includes(g.id) && sshTarget(g.gateway) === undefined).map((g) => g.id);
  if (unreachable.length > 0) {
    throw new UserError(
      `cannot reach ${unreachable.join(', ')}: neither gateway.endpoint nor gateway.ssh.host is set;` +
        ` add ssh: { host: ADDRESS } in lans.yaml and run generate, or leave ${unreachable.length === 1 ? 'it' : 'them'} out with --limit`,
    );
  }
  return names.filter((n) => wanted.includes(n));
}

/**
 * The inventory must be the one generate would write for these tarballs and
 * this lans.yaml: otherwise Ansible would roll out something nobody planned.
 */
function checkInventory(config: LansConfig, outDir: string, inventory: string): void {
  const digest = (lan: string): string | undefined => tarballDigest(outDir, lan);
  const missing = allGateways(config)
    .filter((g) => sshTarget(g.gateway) !== undefined && digest(g.id) === undefined)
    .map((g) => `${g.id}.tar.gz`);
  if (missing.length > 0) throw new UserError(`${outDir}: no ${missing.join(', ')}; run "p2pvpn generate" first`);
  if (readIfExists(inventory)?.toString('utf8') !== renderInventory(config, inventoryHosts(config, digest))) {
    throw new UserError(
      `${inventory} does not match lans.yaml and the tarballs beside it (mesh group ${meshGroup(config.mesh.name)}); run "p2pvpn generate" first`,
    );
  }
}
