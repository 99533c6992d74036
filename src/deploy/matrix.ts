/**
 * The mesh as `p2pvpn status` shows it: what each gateway's status.sh said
 * of each of its links, both ends of every link side by side. A link is up
 * when every end that was asked says so; a gateway that cannot be deployed
 * to (no endpoint, no ssh.host) is not asked, and its links are judged by
 * the other end alone.
 */

/** status.sh's answer for one peer. */
export interface PeerStatus {
  peer: string;
  up: boolean;
  handshakeAge: number | null;
  rxBytes: number | null;
  txBytes: number | null;
  rttMs: number | null;
}

/** What was learnt from one gateway. */
export type GatewayAnswer =
  | { lan: string; kind: 'answered'; peers: PeerStatus[] }
  | { lan: string; kind: 'unreachable' | 'failed'; why: string }
  | { lan: string; kind: 'not-asked'; why: string };

/** One end's view of a link: up, down, or unknown (its gateway gave no answer). */
export type EndView = 'up' | 'down' | 'unknown' | 'not-asked';

export interface LinkStatus {
  ends: [string, string];
  seen: [EndView, EndView];
  up: boolean;
}

export interface MeshStatus {
  version: 1;
  kind: 'p2pvpn-mesh-status';
  mesh: string;
  gateways: GatewayAnswer[];
  links: LinkStatus[];
}

/**
 * Every pair of `gateways` (a full mesh) but two gateways of one LAN, which
 * have no link, with what each end said. A gateway is named by its bundle:
 * its LAN's name, or <lan>-<gateway>; `lanOf` gives its LAN (itself by default).
 */
export function meshStatus(mesh: string, gateways: string[], answers: GatewayAnswer[], lanOf: (gateway: string) => string = (g) => g): MeshStatus {
  const byLan = new Map(answers.map((a) => [a.lan, a]));
  const links: LinkStatus[] = [];
  for (let i = 0; i < gateways.length; i++) {
    for (let j = i + 1; j < gateways.length; j++) {
      if (lanOf(gateways[i]!) === lanOf(gateways[j]!)) continue;
      const ends: [string, string] = [gateways[i]!, gateways[j]!];
      const seen: [EndView, EndView] = [viewOf(byLan.get(ends[0]), ends[1]), viewOf(byLan.get(ends[1]), ends[0])];
      const asked = seen.filter((s) => s !== 'not-asked');
      links.push({ ends, seen, up: asked.length > 0 && asked.every((s) => s === 'up') });
    }
  }
  return { version: 1, kind: 'p2pvpn-mesh-status', mesh, gateways: answers, links };
}

function viewOf(answer: GatewayAnswer | undefined, peer: string): EndView {
  if (answer === undefined || answer.kind === 'not-asked') return 'not-asked';
  if (answer.kind !== 'answered') return 'unknown';
  const found = answer.peers.find((p) => p.peer === peer);
  return found === undefined ? 'down' : found.up ? 'up' : 'down';
}

export function allLinksUp(status: MeshStatus): boolean {
  return status.links.every((l) => l.up);
}

const CELL: Record<EndView, string> = { up: 'up', down: 'DOWN', unknown: '?', 'not-asked': '-' };

/**
 * The LAN x LAN matrix: the cell in row A, column B is what A says of its
 * link to B, marked "!" where B says otherwise. Below it, every gateway that
 * gave no answer and every link that is not up, with what each end sees.
 */
export function formatStatus(status: MeshStatus): string[] {
  const lans = status.gateways.map((g) => g.lan);
  const byPair = new Map(
    status.links.flatMap(
      (l) =>
        [
          [`${l.ends[0]} ${l.ends[1]}`, [l.seen[0], l.seen[1]]],
          [`${l.ends[1]} ${l.ends[0]}`, [l.seen[1], l.seen[0]]],
        ] as const,
    ),
  );
  const cell = (row: string, col: string): string => {
    const pair = byPair.get(`${row} ${col}`);
    // The diagonal, and two gateways of one LAN: no link.
    if (pair === undefined) return '';
    const [mine, theirs] = pair;
    const disagree = (mine === 'up') !== (theirs === 'up') && mine !== 'unknown' && theirs !== 'unknown' && mine !== 'not-asked' && theirs !== 'not-asked';
    return `${CELL[mine]}${disagree ? '!' : ''}`;
  };
  const rows = [['', ...lans], ...lans.map((row) => [row, ...lans.map((col) => cell(row, col))])];
  const widths = rows[0]!.map((_, c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), 0));
  const lines = rows.map((r) =>
    r
      .map((text, c) => text.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
  const down = status.links.filter((l) => !l.up);
  lines.push('', `mesh ${status.mesh}: ${status.links.length - down.length} of ${status.links.length} links up`);
  for (const g of status.gateways) if (g.kind !== 'answered') lines.push(`${g.lan}: ${g.kind === 'not-asked' ? 'not asked' : g.kind}: ${g.why}`);
  for (const l of down) lines.push(`link ${l.ends[0]}-${l.ends[1]} is not up: ${describe(l.ends[0], l.seen[0])}, ${describe(l.ends[1], l.seen[1])}`);
  return lines;
}

function describe(lan: string, view: EndView): string {
  return view === 'unknown' ? `${lan} gave no answer` : view === 'not-asked' ? `${lan} was not asked` : `${lan} sees it ${view}`;
}

interface RawResult {
  unreachable?: boolean;
  failed?: boolean;
  rc?: number;
  msg?: unknown;
  stdout?: unknown;
  stderr?: unknown;
}

/** A gateway's answer from the tree result of `ansible -m raw -a status.sh`. */
export function answerFromResult(lan: string, raw: unknown): GatewayAnswer {
  const result = (raw ?? {}) as RawResult;
  if (raw === undefined) return { lan, kind: 'failed', why: 'ansible gave no result for it' };
  if (result.unreachable) return { lan, kind: 'unreachable', why: lastLine(result.msg) };
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  if (result.rc === 127) return { lan, kind: 'failed', why: 'no status.sh: its bundle is not deployed (p2pvpn deploy)' };
  if (result.failed || result.rc !== 0)
    return { lan, kind: 'failed', why: `status.sh exited ${String(result.rc)}: ${lastLine(result.stderr) || lastLine(stdout) || lastLine(result.msg)}` };
  const peers = parsePeers(stdout);
  return peers === undefined ? { lan, kind: 'failed', why: 'status.sh printed no status document' } : { lan, kind: 'answered', peers };
}

/** status.sh's peers, or undefined when the output is not its document. */
function parsePeers(stdout: string): PeerStatus[] | undefined {
  let doc: { kind?: unknown; peers?: unknown };
  try {
    doc = JSON.parse(stdout.trim()) as typeof doc;
  } catch {
    return undefined;
  }
  if (doc.kind !== 'p2pvpn-gateway-status' || !Array.isArray(doc.peers)) return undefined;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const peers: PeerStatus[] = [];
  for (const p of doc.peers as Record<string, unknown>[]) {
    if (typeof p?.['peer'] !== 'string' || typeof p['up'] !== 'boolean') return undefined;
    peers.push({
      peer: p['peer'],
      up: p['up'],
      handshakeAge: num(p['handshakeAge']),
      rxBytes: num(p['rxBytes']),
      txBytes: num(p['txBytes']),
      rttMs: num(p['rttMs']),
    });
  }
  return peers;
}

function lastLine(text: unknown): string {
  const lines = (typeof text === 'string' ? text : '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
