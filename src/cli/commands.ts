import type { DeployOptions } from '../commands/deploy.js';
import type { GenerateOptions } from '../commands/generate.js';
import type { GraphOptions } from '../commands/graph.js';
import type { ImportOptions } from '../commands/import.js';
import type { PlanOptions } from '../commands/plan.js';
import type { RotateOptions } from '../commands/rotate.js';
import type { ShowOptions } from '../commands/show.js';
import type { StatusOptions } from '../commands/status.js';
import type { ValidateOptions } from '../commands/validate.js';
import type { ExitCode } from '../errors.js';
import type { GlobalOptions } from '../io/output.js';
import type { Streams } from '../io/streams.js';

/** An argument or option as commander takes it. */
export interface ArgumentSpec {
  name: string;
  description: string;
  default?: string;
}

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string;
}

/** One command: what `--help` says of it, and how it runs with options of shape `O`. */
export interface CommandSpec<O = never> {
  name: string;
  description: string;
  arguments: ArgumentSpec[];
  options: OptionSpec[];
  /** Text after the options in the command's help. */
  help?: string;
  /** Loads the command's module only when it runs, so a run loads one command. A variadic argument comes last, spread. */
  run(args: string[], opts: O, io: Streams): Promise<ExitCode>;
}

/** A command whose options commander fills in from its option list: each names the shape it reads. */
const command = <O>(spec: CommandSpec<O>): CommandSpec => spec as CommandSpec;

export const EXIT_CODES = `
Exit codes:
  0  success
  1  bad input: lans.yaml or the state folder has a problem (each one is listed)
  2  usage error: unknown command or option
  2  deploy, status: ansible-playbook or ansible is not installed
  3  plan: changes are pending (bundles or state would change); 0 means nothing would
  3  status: a link is not up (each one is named, with what each end sees)
  4  deploy: a gateway failed or was not reached (each one is named)
  70 internal error: a bug in p2pvpn, please report it`;

const LANS: ArgumentSpec = { name: '<lans.yaml>', description: 'the mesh declaration' };
const STATE = 'state folder; default: <lans file stem>.state beside the file';
const state = (description = STATE): OptionSpec => ({ flags: '-s, --state <dir>', description });
const out = (description: string): OptionSpec => ({ flags: '-o, --out <dir>', description, default: 'out' });
const json = (description: string): OptionSpec => ({ flags: '--json', description });
const ANSIBLE_ARGS = (forWhat: string): ArgumentSpec => ({ name: '[ansible-args...]', description: `after "--": more arguments for ${forWhat}` });

/** Every command, in the order `--help` lists them. Options arrive merged with the global ones (--quiet, --verbose, --debug). */
export const COMMANDS: readonly CommandSpec[] = [
  command<GenerateOptions>({
    name: 'generate',
    description: 'validate lans.yaml, allocate numbers and keys, and write out/<lan>[-<gateway>].tar.gz for every gateway',
    arguments: [LANS],
    options: [out('folder for the tarballs'), state('state folder (numbers and keys); default: <lans file stem>.state beside the file')],
    help: `
Only tarballs whose content changed are rewritten, so file times show what to redistribute.
The state folder is created with mode 0700; keep it: it holds the CA key and every secret of the mesh.
${EXIT_CODES}`,
    run: async ([file], opts, io) => (await import('../commands/generate.js')).runGenerate(file!, opts, io),
  }),
  command<GlobalOptions>({
    name: 'init',
    description: 'write a commented example lans.yaml with two LANs to start from',
    arguments: [{ name: '[lans.yaml]', description: 'the file to create; an existing file is never overwritten', default: 'lans.yaml' }],
    options: [],
    run: async ([file], opts, io) => (await import('../commands/init.js')).runInit(file!, opts, io),
  }),
  command<ValidateOptions>({
    name: 'validate',
    description: 'check lans.yaml (and the saved state) exactly as generate would; writes nothing',
    arguments: [LANS],
    options: [state()],
    run: async ([file], opts, io) => (await import('../commands/validate.js')).runValidate(file!, opts, io),
  }),
  command<ShowOptions>({
    name: 'show',
    description: 'list LANs and links with their numbers, ports and addresses; writes nothing',
    arguments: [LANS],
    options: [json('print JSON (a stable shape with a "version" field) instead of tables'), state()],
    help: `
Numbers come from the state folder; before the first generate, show previews
the numbers generate would give (no keys are created, nothing is written).`,
    run: async ([file], opts, io) => (await import('../commands/show.js')).runShow(file!, opts, io),
  }),
  command<GraphOptions>({
    name: 'graph',
    description: 'draw the mesh: write <mesh>.svg, <mesh>.dot (Graphviz) and <mesh>.mmd (Mermaid)',
    arguments: [LANS],
    options: [out('folder for the pictures'), state()],
    run: async ([file], opts, io) => (await import('../commands/graph.js')).runGraph(file!, opts, io),
  }),
  command<PlanOptions>({
    name: 'plan',
    description: 'show, per gateway, what generate would change and why, and when certificates expire; writes nothing',
    arguments: [LANS],
    options: [out('folder of the tarballs to compare with'), state(), json('print the plan as JSON (kind "p2pvpn-plan", version 1)')],
    help: `
Exit status 0: nothing would change; 3: generate would write something; 1: bad input.
New keys are placeholders: plan never creates a secret.
${EXIT_CODES}`,
    run: async ([file], opts, io) => (await import('../commands/plan.js')).runPlan(file!, opts, io),
  }),
  command<RotateOptions>({
    name: 'rotate',
    description: "re-key one gateway: new key and certificate (the old one revoked) and new keys for each of its links; or, with --ca, rotate the mesh's CA",
    arguments: [LANS, { name: '[lan]', description: 'the LAN whose gateway gets new keys' }],
    options: [
      {
        flags: '--ca',
        description:
          'step 1 of a CA rotation: the standby CA every bundle already trusts becomes the CA and reissues every certificate; the old CA stays trusted',
      },
      { flags: '--finish', description: 'with --ca, step 2, once every gateway runs its step-1 bundle: the old CA is no longer trusted' },
      out('folder for the tarballs'),
      state(),
    ],
    help: `
Rewrites the state and the bundles that change: for a LAN, the gateway's own and each of its peers';
for --ca, every bundle.
${EXIT_CODES}`,
    run: async ([file, lan], opts, io) => (await import('../commands/rotate.js')).runRotate(file!, lan, opts, io),
  }),
  command<DeployOptions>({
    name: 'deploy',
    description: 'roll out/*.tar.gz out to the gateways with Ansible: new gateways first, then the others N at a time',
    arguments: [LANS, ANSIBLE_ARGS('ansible-playbook (-e, -v, --private-key, ...)')],
    options: [
      { flags: '-o, --out <dir>', description: 'folder of the tarballs and inventory.yml', default: 'out' },
      { flags: '--check', description: 'say which gateways would change; change nothing' },
      { flags: '-l, --limit <lans>', description: 'only these gateways (comma-separated LAN names)' },
      { flags: '--serial <n>', description: 'how many changed gateways to update at once', default: '1' },
      { flags: '--keep-going', description: 'go on with the others after a gateway fails (default: stop at the first failed batch)' },
    ],
    help: `
Runs ansible-playbook with <p2pvpn>/ansible/deploy.yml and out/inventory.yml (written by generate).
A gateway gets its tarball only when it differs from the one installed (its sha256), installed with
the bundle's own install.sh; its links to the peers already updated must then come up.
Prints one line per gateway: changed, unchanged, or failed and why.
${EXIT_CODES}`,
    run: async ([file, ...ansibleArgs], opts, io) => (await import('../commands/deploy.js')).runDeploy(file!, opts, ansibleArgs, io),
  }),
  command<StatusOptions>({
    name: 'status',
    description: "run every gateway's status.sh through Ansible, at once, and show the mesh as a LAN x LAN matrix",
    arguments: [LANS, ANSIBLE_ARGS('ansible (-v, --private-key, ...)')],
    options: [
      { flags: '-o, --out <dir>', description: 'folder of inventory.yml', default: 'out' },
      json('print JSON (kind "p2pvpn-mesh-status", version 1) instead of the matrix'),
    ],
    help: `
The cell in row A, column B is what gateway A says of its link to B: up, DOWN, ? (A gave no
answer) or - (A is not asked: it has neither endpoint nor ssh.host); "!" marks a cell the
other end contradicts. Every link that is not up is then named, with what each end sees.
${EXIT_CODES}`,
    run: async ([file, ...ansibleArgs], opts, io) => (await import('../commands/status.js')).runStatus(file!, opts, ansibleArgs, io),
  }),
  command<ImportOptions>({
    name: 'import',
    description: 'turn a P2P-VPN working folder into lans.yaml and a state that keep its pair numbers, ports, tunnel addresses and keys',
    arguments: [{ name: '<folder>', description: 'the P2P-VPN working folder (cache.txt, p2p_pair_id.txt, servers/, keys/)' }],
    options: [
      { flags: '-o, --out <file>', description: 'the lans.yaml to write; must not exist', default: 'lans.yaml' },
      state('state folder to create; default: <out file stem>.state beside it'),
      { flags: '-m, --mesh <name>', description: 'name of the mesh; default: the folder name' },
    ],
    help: `
Nothing is written if the folder is malformed, or if the lans.yaml or the state already exists.
${EXIT_CODES}`,
    run: async ([folder], opts, io) => (await import('../commands/import.js')).runImport(folder!, opts, io),
  }),
];
