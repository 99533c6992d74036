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
  3  plan: changes are pending (bundles or state would change); 0 means nothing would
  70 internal error: a bug in p2pvpn, please report it`;

/** Parses the command line and runs one command; returns the exit code, never exits. */
export async function main(argv: string[], io: Streams): Promise<number> {
  let code: number = ExitCode.ok;
  const program = new Command()
    .name('p2pvpn')
    .description('Compile lans.yaml into one tarball per gateway for a full mesh of site-to-site VPN tunnels.')
    .version(pkg.version, '-V, --version', 'print the version')
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
    .action(async (file: string, opts: { out: string; state?: string }) => {
      const { runGenerate } = await import('../commands/generate.js');
      code = await runGenerate(file, opts, io);
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
    .description("re-key one gateway: new key and certificate (the old one revoked) and new keys for each of its links")
    .argument('<lans.yaml>', 'the mesh declaration')
    .argument('<lan>', 'the LAN whose gateway gets new keys')
    .option('-o, --out <dir>', 'folder for the tarballs', 'out')
    .option('-s, --state <dir>', 'state folder; default: <lans file stem>.state beside the file')
    .addHelpText('after', `
Rewrites the state and the bundles that change: the gateway's own and each of its peers'.
${EXIT_CODES}`)
    .action(async (file: string, lan: string, opts: { out: string; state?: string }) => {
      const { runRotate } = await import('../commands/rotate.js');
      code = await runRotate(file, lan, opts, io);
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
