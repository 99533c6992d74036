/** A pattern of several lines: the parts joined by line breaks, so a long expected excerpt reads one line per part. */
export function lines(flags: string, ...parts: string[]): RegExp {
  return new RegExp(parts.join('\n'), flags);
}
