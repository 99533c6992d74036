import { ROOT, runCli } from './cli.js';

/** Marks a fenced block in README.md that must equal `p2pvpn <args> --help`: `<!-- help: show -->`, or `<!-- help: -->` for the top level. */
export const HELP_MARKER = /^<!-- help:([a-z ]*) -->\n```text\n([\s\S]*?)```$/gm;

/** The commands commander knows, read from the top-level help. */
export function knownCommands(): string[] {
  const help = runCli(['--help'], ROOT).stdout;
  const section = help.split('\nCommands:\n')[1]!.split('\n\n')[0]!;
  return [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

export function helpOf(command: string): string {
  return runCli([...command.split(' ').filter(Boolean), '--help'], ROOT).stdout;
}

/** README.md with every marked block replaced by the current help text. */
export function withCurrentHelp(readme: string): string {
  return readme.replace(HELP_MARKER, (_, command: string) => `<!-- help:${command} -->\n\`\`\`text\n${helpOf(command)}\`\`\``);
}
