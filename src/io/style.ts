/** Colour for terminal output: only on a TTY, never when NO_COLOR is set (https://no-color.org). */
export interface Paint {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

export function colourEnabled(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const noColor = env['NO_COLOR'];
  return stream.isTTY === true && (noColor === undefined || noColor === '') && env['TERM'] !== 'dumb';
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string) => text;

export function paint(enabled: boolean): Paint {
  if (!enabled) return { red: plain, yellow: plain, green: plain, bold: plain, dim: plain };
  return { red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39), bold: sgr(1, 22), dim: sgr(2, 22) };
}
