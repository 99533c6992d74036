/** A pattern for these lines, one after the other, each taken literally: a long expected excerpt, one line per argument. */
export function consecutive(...lines: string[]): RegExp {
  return new RegExp(lines.map((line) => line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\n'));
}
