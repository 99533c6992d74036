import type { BundleFacts, PeerFacts } from '../plan/facts.js';

/** Why a gateway's bundle changed, as data; words.ts turns each into one line. */
export type Reason =
  | { kind: 'peer-added'; peer: string }
  | { kind: 'peer-removed'; peer: string; revoked: boolean }
  | { kind: 'route-added'; route: string; peer: string }
  | { kind: 'route-removed'; route: string; peer: string }
  | { kind: 'port-opened'; port: number }
  | { kind: 'port-closed'; port: number }
  | { kind: 'endpoint-changed'; peer: string; from?: string; to?: string }
  | { kind: 'tunnel-changed'; peer: string; from: string; to: string }
  | { kind: 'key-rotated'; serial?: number }
  | { kind: 'certificate-reissued'; serial: number }
  | { kind: 'link-key-rotated'; peer: string }
  | { kind: 'peer-key-changed'; peer: string }
  | { kind: 'certificate-revoked'; serial: number; name?: string }
  | { kind: 'ca-replaced' }
  | { kind: 'mtu-changed'; from?: number; to?: number }
  | { kind: 'backend-changed'; from: string; to: string }
  | { kind: 'files-changed'; paths: string[] }
  | { kind: 'unreadable' };

/**
 * Explains the difference between the facts of two versions of one gateway's bundle.
 * `revokedNames` maps revoked serials to the LAN that held them. Empty
 * when no fact tells them apart (a README's description, a newer p2pvpn's
 * scripts changed): the caller names the changed files instead.
 */
export function explainChange(old: BundleFacts, now: BundleFacts, revokedNames: Map<number, string>): Reason[] {
  if (old.backend !== now.backend) return [{ kind: 'backend-changed', from: old.backend, to: now.backend }];
  const newlyRevoked = now.revoked.filter((s) => !old.revoked.includes(s));
  const revokedPeers = new Set(newlyRevoked.map((s) => revokedNames.get(s)));
  const reasons: Reason[] = [];
  for (const [peer, facts] of old.peers) {
    if (now.peers.has(peer)) continue;
    reasons.push({ kind: 'peer-removed', peer, revoked: revokedPeers.has(peer) });
    reasons.push(...facts.routes.map((route): Reason => ({ kind: 'route-removed', route, peer })));
  }
  for (const [peer, facts] of now.peers) {
    const before = old.peers.get(peer);
    if (!before) {
      reasons.push({ kind: 'peer-added', peer }, ...facts.routes.map((route): Reason => ({ kind: 'route-added', route, peer })));
    } else reasons.push(...explainPeer(peer, before, facts));
  }
  reasons.push(...old.ports.filter((p) => !now.ports.includes(p)).map((port): Reason => ({ kind: 'port-closed', port })));
  reasons.push(...now.ports.filter((p) => !old.ports.includes(p)).map((port): Reason => ({ kind: 'port-opened', port })));
  if (old.ownKey !== now.ownKey) reasons.push({ kind: 'key-rotated', ...(now.certificate ? { serial: now.certificate.serial } : {}) });
  else if (now.certificate && old.certificate?.serial !== now.certificate.serial)
    reasons.push({ kind: 'certificate-reissued', serial: now.certificate.serial });
  if (old.ca !== now.ca) reasons.push({ kind: 'ca-replaced' });
  const removedPeers = new Set([...old.peers.keys()].filter((p) => !now.peers.has(p)));
  for (const serial of newlyRevoked) {
    const name = revokedNames.get(serial);
    if (name === undefined || !removedPeers.has(name)) reasons.push({ kind: 'certificate-revoked', serial, ...(name ? { name } : {}) });
  }
  if (old.mtu !== now.mtu) reasons.push({ kind: 'mtu-changed', ...(old.mtu ? { from: old.mtu } : {}), ...(now.mtu ? { to: now.mtu } : {}) });
  return reasons;
}

function explainPeer(peer: string, old: PeerFacts, now: PeerFacts): Reason[] {
  const reasons: Reason[] = [];
  reasons.push(...old.routes.filter((r) => !now.routes.includes(r)).map((route): Reason => ({ kind: 'route-removed', route, peer })));
  reasons.push(...now.routes.filter((r) => !old.routes.includes(r)).map((route): Reason => ({ kind: 'route-added', route, peer })));
  if (old.endpoint !== now.endpoint)
    reasons.push({ kind: 'endpoint-changed', peer, ...(old.endpoint ? { from: old.endpoint } : {}), ...(now.endpoint ? { to: now.endpoint } : {}) });
  if (old.tunnel !== now.tunnel) reasons.push({ kind: 'tunnel-changed', peer, from: old.tunnel, to: now.tunnel });
  if (old.peerKey !== now.peerKey) reasons.push({ kind: 'peer-key-changed', peer });
  if (old.linkKey !== now.linkKey) reasons.push({ kind: 'link-key-rotated', peer });
  return reasons;
}
