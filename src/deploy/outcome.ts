/**
 * What `ansible-playbook ansible/deploy.yml` did to each gateway, read from
 * the last result Ansible's tree callback kept for it (one JSON file per
 * host, the result of the last task that ran there; it keeps no "failed"
 * flag). The playbook ends every path on a result that says how it ended:
 * the probe's group (new, changed, unchanged), the apply step's
 * `p2pvpn_done` fact, or a `fail` task's message. A host with none of these
 * was stopped on the way, by another gateway's failure.
 */
export type Outcome =
  | { lan: string; kind: 'changed'; how: string }
  | { lan: string; kind: 'unchanged' }
  | { lan: string; kind: 'would-change'; isNew: boolean }
  | { lan: string; kind: 'failed'; why: string }
  | { lan: string; kind: 'not-deployed'; why: string };

interface TreeResult {
  unreachable?: boolean;
  msg?: unknown;
  add_group?: unknown;
  ansible_facts?: { p2pvpn_done?: unknown };
}

/** One outcome per targeted LAN, in the order given; `results` maps a host to its last tree result. */
export function deployOutcomes(lans: string[], results: Map<string, unknown>, check: boolean): Outcome[] {
  return lans.map((lan) => outcomeOf(lan, results.get(lan) as TreeResult | undefined, check));
}

function outcomeOf(lan: string, result: TreeResult | undefined, check: boolean): Outcome {
  if (result === undefined) return { lan, kind: 'not-deployed', why: 'ansible-playbook never reached it' };
  if (result.unreachable) return { lan, kind: 'failed', why: `unreachable: ${oneLine(result.msg)}` };
  const done = result.ansible_facts?.p2pvpn_done;
  if (typeof done === 'string') return { lan, kind: 'changed', how: done };
  const group = typeof result.add_group === 'string' ? result.add_group : undefined;
  if (group === 'p2pvpn_unchanged') return { lan, kind: 'unchanged' };
  if (group === 'p2pvpn_new' || group === 'p2pvpn_changed') {
    if (check) return { lan, kind: 'would-change', isNew: group === 'p2pvpn_new' };
    return { lan, kind: 'not-deployed', why: 'the rollout stopped before its turn' };
  }
  // The tree keeps no "failed" flag: a last result that is neither of the above and has a message is a failure.
  if (result.ansible_facts === undefined && result.msg !== undefined) return { lan, kind: 'failed', why: oneLine(result.msg) };
  return { lan, kind: 'not-deployed', why: 'the rollout stopped before it was done' };
}

export function anyFailed(outcomes: Outcome[]): boolean {
  return outcomes.some((o) => o.kind === 'failed' || o.kind === 'not-deployed');
}

/** One line per gateway: `changed    hq  (systemctl reload)`, `failed     bravo: why`. */
export function formatOutcomes(outcomes: Outcome[]): string[] {
  const width = outcomes.reduce((w, o) => Math.max(w, o.lan.length), 0);
  return outcomes.map((o) => outcomeLine(o, width));
}

function outcomeLine(o: Outcome, width: number): string {
  switch (o.kind) {
    case 'changed':
      return `changed       ${o.lan.padEnd(width)}  (${o.how})`;
    case 'unchanged':
      return `unchanged     ${o.lan}`;
    case 'would-change':
      return `would change  ${o.lan.padEnd(width)}  (${o.isNew ? 'new: nothing installed yet' : 'runs another bundle'})`;
    case 'failed':
      return `failed        ${o.lan}: ${o.why}`;
    case 'not-deployed':
      return `not deployed  ${o.lan}: ${o.why}`;
  }
}

/** Ansible's messages may span lines and carry terminal noise; one clean line of at most 300 characters. */
function oneLine(msg: unknown): string {
  const text = (typeof msg === 'string' ? msg : JSON.stringify(msg ?? 'failed')).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
