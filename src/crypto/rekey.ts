import { UserError } from '../errors.js';
import type { MeshState } from '../state/types.js';

/**
 * Makes one LAN's key material missing, so that the next build makes it
 * anew: its key pair and certificate, and the secrets of each of its links
 * (tls-crypt or preshared keys). Its old certificate is revoked. Nothing of
 * any other LAN or link is touched.
 */
export function forgetLanKeys(state: MeshState, lan: string, now: Date): MeshState {
  const record = state.public.lans[lan];
  if (!record) throw new UserError(`${lan} has no keys yet; run "p2pvpn generate" first, which creates them`);
  const { certificate, wgPublicKey: _pub, ...kept } = record;
  const pub = { ...state.public, lans: { ...state.public.lans, [lan]: kept }, revoked: [...state.public.revoked] };
  if (certificate) pub.revoked.push({ serial: certificate.serial, name: lan, date: now.toISOString() });
  const links = new Set(state.public.pairs.filter((p) => p.lans.includes(lan)).map((p) => String(p.number)));
  const pairs = Object.fromEntries(Object.entries(state.secrets.pairs).filter(([number]) => !links.has(number)));
  const { [lan]: _secrets, ...lans } = state.secrets.lans;
  return { public: pub, secrets: { ...state.secrets, lans, pairs } };
}
