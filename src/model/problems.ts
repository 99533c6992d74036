/** One finding about the input, located in the source file. */
export interface Problem {
  severity: 'error' | 'warning';
  file: string;
  line: number;
  col: number;
  /** Path inside the document, e.g. `lans[2].subnets[0]`. */
  path: string;
  message: string;
}

/** How a rule or stage reports a problem: a path in the document; the reporter adds file, line and column. */
export type Report = (path: (string | number)[], message: string, severity?: 'error' | 'warning') => void;

export function formatProblem(p: Problem): string {
  const where = p.path === '' ? '' : `${p.path}: `;
  return printable(`${p.file}:${p.line}:${p.col}: ${where}${p.message}`);
}

/** Messages echo what the user wrote: control and bidi characters are shown escaped, never sent to the terminal. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Sorted by position so the user reads them top to bottom; errors and warnings apart. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}

/** Turns a key path like ['lans', 2, 'subnets', 0] into `lans[2].subnets[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** Text for `generate`/`validate` output: errors first, then warnings, then a count. */
export function formatReport(problems: readonly Problem[]): string {
  const sorted = sortProblems(problems);
  const errors = sorted.filter((p) => p.severity === 'error');
  const warnings = sorted.filter((p) => p.severity === 'warning');
  const lines: string[] = [];
  if (errors.length > 0) lines.push(`${count(errors.length, 'error')}:`, ...errors.map(formatProblem));
  if (warnings.length > 0) lines.push(`${count(warnings.length, 'warning')}:`, ...warnings.map(formatProblem));
  return lines.join('\n');
}

export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
