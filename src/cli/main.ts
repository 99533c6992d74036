import { Command, CommanderError } from 'commander';
import { ExitCode, UserError } from '../errors.js';
import { packageVersion } from '../io/packageFiles.js';
import { type Streams, writeLine } from '../io/streams.js';
import { COMMANDS, type CommandSpec, EXIT_CODES } from './commands.js';

/** Parses the command line and runs one command; returns the exit code, never exits. */
export async function main(argv: string[], io: Streams): Promise<ExitCode> {
  let code: ExitCode = ExitCode.ok;
  const program = new Command()
    .name('p2pvpn')
    .description('Compile lans.yaml into one tarball per gateway for a full mesh of site-to-site VPN tunnels.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('-q, --quiet', 'print only errors (and the data a command was asked for)')
    .option('-v, --verbose', 'print more detail on standard error')
    .option('--debug', 'show stack traces of internal errors')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText('after', EXIT_CODES)
    .showHelpAfterError('(run p2pvpn --help for usage)');
  for (const spec of COMMANDS) register(program, spec, io, (result) => (code = result));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    return handleError(err, io, program.opts<{ debug?: boolean }>().debug === true || argv.includes('--debug'));
  }
}

/** One command of the table on the program; commander calls the action with the arguments, the options and the command. */
function register(program: Command, spec: CommandSpec, io: Streams, done: (code: ExitCode) => void): void {
  const command = program.command(spec.name).description(spec.description);
  for (const a of spec.arguments) command.argument(a.name, a.description, a.default);
  for (const o of spec.options) command.option(o.flags, o.description, o.default);
  if (spec.help !== undefined) command.addHelpText('after', spec.help);
  command.action(async (...params: unknown[]) => {
    const args = (params.slice(0, spec.arguments.length) as (string | string[])[]).flat();
    done(await spec.run(args, (params[params.length - 1] as Command).optsWithGlobals<never>(), io));
  });
}

function handleError(err: unknown, io: Streams, debug: boolean): ExitCode {
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
