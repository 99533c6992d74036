/** What a command may touch of the outside world besides files: passed in, so tests use buffers. */
export interface Streams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export function writeLine(stream: Streams['stdout'], text: string): void {
  stream.write(`${text}\n`);
}
