import { execFile, spawnSync } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: Record<string, string>;
  /** Resolve with the exit code instead of rejecting when the command fails. */
  allowFail?: boolean;
  timeoutMs?: number;
}

/** Runs argv (no shell) and collects its output; rejects on a non-zero exit unless allowFail. */
export function exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, LC_ALL: 'C', ...opts.env };
    execFile(argv[0]!, argv.slice(1), { env, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      const result = { code, stdout, stderr };
      if (code !== 0 && !opts.allowFail) reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve(result);
    });
  });
}

/** Synchronous and failure-tolerant: for cleanup, which must also run from a process 'exit' hook. */
export function execQuiet(argv: string[]): ExecResult {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Polls `check` until it returns a value other than undefined, or throws `what` after timeoutMs. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over items with at most `limit` at a time (two shared cores: do not fork 30 pings at once). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
