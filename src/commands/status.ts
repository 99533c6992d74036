import { meshGroup, sshTarget } from '../deploy/inventory.js';
import { allLinksUp, answerFromResult, formatStatus, type GatewayAnswer, meshStatus } from '../deploy/matrix.js';
import { ExitCode } from '../errors.js';
import { runAnsible } from '../io/ansible.js';
import { type GlobalOptions, output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { allGateways } from '../model/gateways.js';
import { installDir } from '../plan/install.js';
import { prepareAnsible } from './deploy.js';

export interface StatusOptions extends GlobalOptions {
  out: string;
  json?: boolean;
}

const MAX_FORKS = 50;

/**
 * `p2pvpn status`: status.sh on every gateway at once (one ad-hoc Ansible
 * task, a fork per gateway), drawn as a LAN x LAN matrix. Exit 0 when every
 * link is up, 3 when one is not, 2 when ansible is missing.
 */
export async function runStatus(file: string, opts: StatusOptions, extra: string[], io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const prepared = prepareAnsible(file, opts.out, undefined, 'ansible', out, io);
  if (typeof prepared === 'number') return prepared;
  const { config, inventory, command } = prepared;
  const mesh = config.mesh.name;
  const gateways = allGateways(config);
  const asked = gateways.filter((g) => sshTarget(g.gateway) !== undefined).map((g) => g.id);
  const forks = String(Math.min(MAX_FORKS, Math.max(1, asked.length)));
  const argv = [command, meshGroup(mesh), '-i', inventory, '-m', 'raw', '-a', `${installDir(mesh)}/status.sh`, '--forks', forks, '--one-line', ...extra];
  out.detail(`running: ${argv.join(' ')}`);
  const run = await runAnsible(argv, io.env, opts.verbose ? (text) => io.stderr.write(text) : undefined, 'adhoc');
  const answers = gateways.map(
    ({ id }): GatewayAnswer =>
      asked.includes(id)
        ? answerFromResult(id, run.results.get(id))
        : { lan: id, kind: 'not-asked', why: 'neither gateway.endpoint nor gateway.ssh.host is set' },
  );
  const lanOf = new Map(gateways.map((g) => [g.id, g.lan.name]));
  const status = meshStatus(
    mesh,
    gateways.map((g) => g.id),
    answers,
    (id) => lanOf.get(id) ?? id,
  );
  if (opts.json) out.data(JSON.stringify(status, null, 2));
  else for (const line of formatStatus(status)) out.data(line);
  return allLinksUp(status) ? ExitCode.ok : ExitCode.linksDown;
}
