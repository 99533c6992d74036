import { formatReport, type Problem } from '../model/problems.js';
import { type ProgressLine, progressLine } from './progress.js';
import type { Streams } from './streams.js';
import { colourEnabled, type Paint, paint } from './style.js';

/** Options every command accepts, before or after its name. */
export interface GlobalOptions {
  quiet?: boolean;
  verbose?: boolean;
  debug?: boolean;
}

/**
 * How a command talks to the user, honouring --quiet and --verbose:
 * `data` is what was asked for (always printed), `info` a summary line,
 * `detail` extra context for --verbose, on stderr so stdout stays parseable.
 */
export interface Output {
  data(text: string): void;
  info(text: string): void;
  detail(text: string): void;
  error(text: string): void;
  /** A warning line on stderr, hidden by --quiet. */
  warn(text: string): void;
  /** Errors always; warnings unless --quiet. */
  problems(problems: readonly Problem[]): void;
  progress(label: string): ProgressLine;
  out: Paint;
}

export function output(io: Streams, opts: GlobalOptions): Output {
  const out = paint(colourEnabled(io.stdout, io.env));
  const err = paint(colourEnabled(io.stderr, io.env));
  const line = (stream: Streams['stdout'], text: string) => stream.write(`${text}\n`);
  return {
    data: (text) => line(io.stdout, text),
    info: (text) => void (opts.quiet ? undefined : line(io.stdout, text)),
    detail: (text) => void (opts.verbose && !opts.quiet ? line(io.stderr, err.dim(text)) : undefined),
    error: (text) => line(io.stderr, text),
    warn: (text) => void (opts.quiet ? undefined : line(io.stderr, text)),
    problems(problems) {
      const shown = opts.quiet ? problems.filter((p) => p.severity === 'error') : problems;
      if (shown.length === 0) return;
      line(io.stderr, colourReport(formatReport(shown), err));
    },
    progress: (label) => progressLine(io.stderr, label, !opts.quiet),
    out,
  };
}

/** Colours only the "N errors:" / "N warnings:" headings; the located lines stay plain for editors to parse. */
function colourReport(report: string, p: Paint): string {
  return report
    .split('\n')
    .map((l) => (/^\d+ errors?:$/.test(l) ? p.red(p.bold(l)) : /^\d+ warnings?:$/.test(l) ? p.yellow(p.bold(l)) : l))
    .join('\n');
}
