import { type ChildProcess, spawn } from 'node:child_process';
import type { LanHost } from './netns.js';

/** What a continuous ping saw between its first packet and the moment it was asked to stop. */
export interface PingTally {
  from: string;
  to: string;
  /** Sequence numbers 1..window were sent before the stop; every one of them must be answered. */
  window: number;
  missing: number[];
  /** ping's own summary, for the report: it also counts the packets sent after the window. */
  transmitted: number;
  received: number;
}

export interface ContinuousPing {
  /** Ends the window at the next reply, stops ping with SIGINT and tallies the replies. */
  stop(): Promise<PingTally>;
  /** Kills ping if it still runs (cleanup after a failed step); safe to call twice. */
  kill(): void;
}

const INTERVAL = '0.1';
const REPLY = /^\d+ bytes from \S+ icmp_seq=(\d+) ttl=/;
const SUMMARY = /^(\d+) packets transmitted, (\d+) received/m;

/**
 * Pings `to` from `from` every 100 ms until stopped; resolves once the first
 * reply is in, so that the link is known to carry traffic before the change.
 * ping is exec'd by `ip netns exec`, so the child's PID is ping's own.
 */
export async function startPing(from: LanHost, to: LanHost, firstReplyMs = 5_000, interval = INTERVAL): Promise<ContinuousPing> {
  const child = spawn('ip', ['netns', 'exec', from.ns, 'ping', '-n', '-i', interval, to.address], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const replies = new Set<number>();
  let output = '';
  let onReply: (() => void) | undefined;
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const m = REPLY.exec(line);
      if (m) {
        replies.add(Number(m[1]));
        onReply?.();
      }
    }
  });
  child.stderr.resume();
  const nextReply = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      onReply = () => {
        clearTimeout(timer);
        onReply = undefined;
        resolve(true);
      };
    });
  const name = { from: `${from.lan} ${from.address}`, to: `${to.lan} ${to.address}` };
  if (!(await nextReply(firstReplyMs))) {
    await killAndWait(child, exited);
    throw new Error(`no first reply from ${name.to} to ${name.from} within ${firstReplyMs} ms`);
  }
  return {
    async stop() {
      // Right after a reply the next request is ~100 ms away: nothing of the window is in flight.
      const answering = await nextReply(3_000);
      const lastReply = Math.max(0, ...replies);
      child.kill('SIGINT');
      await exited;
      const summary = SUMMARY.exec(output);
      // A link that stopped answering: every packet sent is in the window.
      const window = answering ? lastReply : Number(summary?.[1] ?? lastReply + 1);
      const missing = Array.from({ length: window }, (_, i) => i + 1).filter((seq) => !replies.has(seq));
      return { ...name, window, missing, transmitted: Number(summary?.[1] ?? -1), received: Number(summary?.[2] ?? -1) };
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

async function killAndWait(child: ChildProcess, exited: Promise<void>): Promise<void> {
  child.kill('SIGKILL');
  await exited;
}
