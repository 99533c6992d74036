import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import { writeLine, type Streams } from './io.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const EXIT_CODES = `
Exit codes:
  0  success
  1  bad input: lans.yaml or the state folder has a problem (each one is listed)
  2  usage error: unknown command or option
  2  deploy, status: ansible-playbook or ansible is not installed
  3  plan: changes are pending (bundles or state would change); 0 means nothing would
  3  status: a link is not up (each one is named, with what each end sees)
  4  deploy: a gateway failed or was not reached (each one is named)
  70 internal error: a bug in p2pvpn, please report it`;

/** Parses the command line and runs one command; returns the exit code, never exits. */
export async function main(argv: string[], io: Streams): Promise<number> {
  let code: number = ExitCode.ok;
  const program = new Command()
    .name('p2pvpn')
    .description('Compile lans.yaml into one tarball per gateway for a full mesh of site-to-site VPN tunnels.')
    .version(pkg.version, '-V, --version', 'print the version')
    .option('-q, --quiet', 'print only errors (and the data a command was asked for)')
    .option('-v, --verbose', 'print more detail on standard error')
    .option('--debug', 'show stack traces of internal errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText('after', EXIT_CODES)
    .showHelpAfterError('(run p2pvpn --help for usage)');

  program
    .command('generate')
    .description('validate lans.yaml, allocate numbers and keys, and write out/<lan>.tar.gz for every gateway')
    .argument('<lans.yaml>', 'the mesh declaration')
    .option('-o, --out <dir>', 'folder for the tarballs', 'out')
    .option('-s, --state <dir>', 'state folder (numbers and keys); default: <lans file stem>.state beside the file')
    .addHelpText('after', `
Only tarballs whose content changed are rewritten, so file times show what to redistribute.
The state folder is created with mode 0700; keep it: it holds the CA key and every secret of the mesh.
${EXIT_CODES}`)
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const { runGenerate } = await import('../commands/generate.js');
      code = await runGenerate(file, cmd.optsWithGlobals(), io);
    });

  program
    .command('init')
    .description('write a commented example lans.yaml with two LANs to start from')
    .argument('[lans.yaml]', 'the file to create; an existing file is never overwritten', 'lans.yaml')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const { runInit } = await import('../commands/init.js');
      code = await runInit(file, cmd.optsWithGlobals(), io);
    });

  program
    .command('validate')
    .description('check lans.yaml (and the saved state) exactly as generate would; writes nothing')
    .argument('<lans.yaml>', 'the mesh declaration')
    .option('-s, --state <dir>', 'state folder; default: <lans file stem>.state beside the file')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const { runValidate } = await import('../commands/validate.js');
      code = await runValidate(file, cmd.optsWithGlobals(), io);
    });

  program
    .command('show')
    .description('list LANs and links with their numbers, ports and addresses; writes nothing')
    .argument('<lans.yaml>', 'the mesh declaration')
    .option('--json', 'print JSON (a stable shape with a "version" field) instead of tables')
    .option('-s, --state <dir>', 'state folder; default: <lans file stem>.state beside the file')
    .addHelpText('after', `
Numbers come from the state folder; before the first generate, show previews
the numbers generate would give (no keys are created, nothing is written).`)
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const { runShow } = await import('../commands/show.js');
      code = await runShow(file, cmd.optsWithGlobals(), io);
    });

  program
    .command('graph')
    .description('draw the mesh: write <mesh>.svg, <mesh>.dot (Graphviz) and <mesh>.mmd (Mermaid)')
    .argument('<lans.yaml>', 'the mesh declaration')
    .option('-o, --out <dir>', 'folder for the pictures', 'out')
    .option('-s, --state <dir>', 'state folder; default: <lans file stem>.state beside the file')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const { runGraph } = await import('../commands/graph.js');
      code = await runGraph(file, cmd.optsWithGlobals(), io);
    });

  program
    .command('plan')
    .description('show, per gateway, what generate would change and why, and when certificates expire; writes nothing')
    .argument('<lans.yaml>', 'the mesh declaration')
    .option('-o, --out <dir>', 'folder of the tarballs to compare with', 'out')
    .option('-s, --state <dir>', 'state folder; default: <lans file stem>.state beside the file')
    .option('--json', 'print the plan as JSON (kind "p2pvpn-plan", version 1)')
    .addHelpText('after', `
Exit status 0: nothing would change; 3: generate would write something; 1: bad input.
New keys are placeholders: plan never creates a secret.
${EXIT_CODES}`)
    .action(async (file: string, opts: { out: string; state?: string; json?: boolean }) => {
      const { runPlan } = await import('../commands/plan.js');
      code = await runPlan(file, opts, io);
    });

  program
    .command('rotate')
    .description("re-key one gateway: new key and certificate (the old one revoked) and new keys for each of its links; or, with --ca, rotate the mesh's CA")
    .argument('<lans.yaml>', 'the mesh declaration')
    .argument('[lan]', 'the LAN whose gateway gets new keys')
    .option('--ca', 'step 1 of a CA rotation: the standby CA every bundle already trusts becomes the CA and reissues every certificate; the old CA stays trusted')
    .option('--finish', 'with --ca, step 2, once every gateway runs its step-1 bundle: the old CA is no longer trusted')
    .option('-o, --out <dir>', 'folder for the tarballs', 'out')
    .option('-s, --state <dir>', 'state folder; default: <lans file stem>.state beside the file')
    .addHelpText('after', `
Rewrites the state and the bundles that change: for a LAN, the gateway's own and each of its peers';
for --ca, every bundle.
${EXIT_CODES}`)
    .action(async (file: string, lan: string | undefined, opts: { ca?: boolean; finish?: boolean }, cmd: Command) => {
      if (opts.finish && !opts.ca) cmd.error('error: --finish ends a CA rotation, give it with --ca', { exitCode: ExitCode.usage });
      if (opts.ca === true && lan !== undefined) cmd.error("error: rotate --ca rotates the whole mesh's CA, give no LAN", { exitCode: ExitCode.usage });
      if (opts.ca !== true && lan === undefined) cmd.error("error: missing required argument 'lan' (or give --ca)", { exitCode: ExitCode.usage });
      const { runRotate } = await import('../commands/rotate.js');
      code = await runRotate(file, lan, cmd.optsWithGlobals(), io);
    });
  program
    .command('deploy')
    .description('roll out/*.tar.gz out to the gateways with Ansible: new gateways first, then the others N at a time')
    .argument('<lans.yaml>', 'the mesh declaration')
    .argument('[ansible-args...]', 'after "--": more arguments for ansible-playbook (-e, -v, --private-key, ...)')
    .option('-o, --out <dir>', 'folder of the tarballs and inventory.yml', 'out')
    .option('--check', 'say which gateways would change; change nothing')
    .option('-l, --limit <lans>', 'only these gateways (comma-separated LAN names)')
    .option('--serial <n>', 'how many changed gateways to update at once', '1')
    .option('--keep-going', 'go on with the others after a gateway fails (default: stop at the first failed batch)')
    .addHelpText('after', `
Runs ansible-playbook with <p2pvpn>/ansible/deploy.yml and out/inventory.yml (written by generate).
A gateway gets its tarball only when it differs from the one installed (its sha256), installed with
the bundle's own install.sh; its links to the peers already updated must then come up.
Prints one line per gateway: changed, unchanged, or failed and why.
${EXIT_CODES}`)
    .action(async (file: string, ansibleArgs: string[], _opts: unknown, cmd: Command) => {
      const { runDeploy } = await import('../commands/deploy.js');
      code = await runDeploy(file, cmd.optsWithGlobals(), ansibleArgs, io);
    });

  program
    .command('status')
    .description("run every gateway's status.sh through Ansible, at once, and show the mesh as a LAN x LAN matrix")
    .argument('<lans.yaml>', 'the mesh declaration')
    .argument('[ansible-args...]', 'after "--": more arguments for ansible (-v, --private-key, ...)')
    .option('-o, --out <dir>', 'folder of inventory.yml', 'out')
    .option('--json', 'print JSON (kind "p2pvpn-mesh-status", version 1) instead of the matrix')
    .addHelpText('after', `
The cell in row A, column B is what gateway A says of its link to B: up, DOWN, ? (A gave no
answer) or - (A is not asked: it has neither endpoint nor ssh.host); "!" marks a cell the
other end contradicts. Every link that is not up is then named, with what each end sees.
${EXIT_CODES}`)
    .action(async (file: string, ansibleArgs: string[], _opts: unknown, cmd: Command) => {
      const { runStatus } = await import('../commands/status.js');
      code = await runStatus(file, cmd.optsWithGlobals(), ansibleArgs, io);
    });

  program
    .command('import')
    .description('turn a P2P-VPN working folder into lans.yaml and a state that keep its pair numbers, ports, tunnel addresses and keys')
    .argument('<folder>', 'the P2P-VPN working folder (cache.txt, p2p_pair_id.txt, servers/, keys/)')
    .option('-o, --out <file>', 'the lans.yaml to write; must not exist', 'lans.yaml')
    .option('-s, --state <dir>', 'state folder to create; default: <out file stem>.state beside it')
    .option('-m, --mesh <name>', 'name of the mesh; default: the folder name')
    .addHelpText('after', `
Nothing is written if the folder is malformed, or if the lans.yaml or the state already exists.
${EXIT_CODES}`)
    .action(async (folder: string, _opts: unknown, cmd: Command) => {
      const { runImport } = await import('../commands/import.js');
      code = await runImport(folder, cmd.optsWithGlobals(), io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    return handleError(err, io, program.opts<{ debug?: boolean }>().debug === true || argv.includes('--debug'));
  }
}

function handleError(err: unknown, io: Streams, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage;
  }
  if (err instanceof UserError) {
    writeLine(io.stderr, `p2pvpn: ${err.message}`);
    return ExitCode.userError;
  }
  const message = err instanceof Error ? err.message : String(err);
  writeLine(io.stderr, `p2pvpn: internal error: ${message}\nThis is a bug in p2pvpn; please report it${debug ? '' : ' (run with --debug for details)'}.`);
  if (debug && err instanceof Error && err.stack) writeLine(io.stderr, err.stack);
  return ExitCode.internal;
}
