/** Reports `done` of `total` steps of a long task; the core calls it, the CLI decides what to show. */
export type Progress = (done: number, total: number) => void;

export interface ProgressLine {
  update: Progress;
  /** Erases the line, so the next output starts clean. */
  done(): void;
}

/** Waits this long before drawing: a task that ends sooner needs no indicator. */
const QUIET_START_MS = 300;

/**
 * A one-line indicator such as "generating keys 37/200" on a TTY, redrawn in
 * place; nothing at all when the stream is not a terminal (logs, pipes, CI).
 */
export function progressLine(
  stream: { write(text: string): unknown; isTTY?: boolean },
  label: string,
  enabled: boolean,
  now: () => number = Date.now,
): ProgressLine {
  if (!enabled || stream.isTTY !== true) return { update: () => {}, done: () => {} };
  const start = now();
  let drawn = false;
  return {
    update(done, total) {
      if (!drawn && now() - start < QUIET_START_MS && done < total) return;
      drawn = true;
      stream.write(`\r\x1b[2K${label} ${done}/${total}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
