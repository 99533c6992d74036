import { UserError } from '../errors.js';
import type { MeshState } from '../state/types.js';
import { recertifyCa } from './certs.js';
import { issueCrl } from './crl.js';

/** As for gateway certificates: an hour early, for gateways with a slightly slow clock. */
const CLOCK_SKEW_MS = 3_600_000;

/**
 * Makes one LAN's key material missing, so that the next build makes it
 * anew: its key pair and certificate, and the secrets of each of its links
 * (tls-crypt or preshared keys). Its old certificate is revoked (during a
 * CA rotation, the one from the retiring CA too). Nothing of any other LAN
 * or link is touched.
 */
export function forgetLanKeys(state: MeshState, lan: string, now: Date): MeshState {
  const record = state.public.lans[lan];
  if (!record) throw new UserError(`${lan} has no keys yet; run "p2pvpn generate" first, which creates them`);
  const { certificate, wgPublicKey: _pub, ...kept } = record;
  const pub = { ...state.public, lans: { ...state.public.lans, [lan]: kept }, revoked: [...state.public.revoked] };
  for (const old of [certificate, state.public.retiringCa?.certificates[lan]])
    if (old) pub.revoked.push({ serial: old.serial, name: lan, date: now.toISOString() });
  if (pub.retiringCa?.certificates[lan]) {
    const { [lan]: _old, ...others } = pub.retiringCa.certificates;
    pub.retiringCa = { ...pub.retiringCa, certificates: others };
  }
  const links = new Set(state.public.pairs.filter((p) => p.lans.includes(lan)).map((p) => String(p.number)));
  const pairs = Object.fromEntries(Object.entries(state.secrets.pairs).filter(([number]) => !links.has(number)));
  const { [lan]: _secrets, ...lans } = state.secrets.lans;
  return { public: pub, secrets: { ...state.secrets, lans, pairs } };
}

/**
 * Step 1 of a CA rotation (`rotate --ca`). The standby CA, which every
 * bundle has trusted since it was made, becomes the CA, certified again so
 * that it lasts `caDays` from now; the CA it replaces stays trusted, as the
 * retiring CA, until step 2. Every gateway certificate is left missing, so
 * the build reissues it from the new CA for the same key, and a new standby
 * is made. A gateway still running the old bundle accepts the new
 * certificates (it trusts the standby); one running the new bundle accepts
 * the old ones (it trusts the retiring CA): no link depends on the order in
 * which gateways are updated.
 */
export function startCaRotation(state: MeshState, caDays: number, now: Date): MeshState {
  const { public: pub, secrets } = state;
  if (!pub.ca || !secrets.caKey) throw new UserError('this mesh has no CA yet (a WireGuard mesh never has one); run "p2pvpn generate" first');
  if (pub.retiringCa)
    throw new UserError(
      `a CA rotation is in progress since ${pub.retiringCa.since.slice(0, 10)};` +
        ' once every gateway runs its new bundle, finish it with "p2pvpn rotate --ca --finish"',
    );
  if (!pub.standbyCa || !secrets.standbyCaKey)
    throw new UserError(
      'this mesh has no standby CA yet, so no gateway would trust a new one; run "p2pvpn generate", give every gateway its new bundle, then rotate',
    );
  const ca = { ...pub.ca };
  const notBefore = new Date(Math.floor((now.getTime() - CLOCK_SKEW_MS) / 1000) * 1000);
  const certificate = recertifyCa(pub.standbyCa.certificate.pem, { serial: ca.nextSerial++, notBefore, days: caDays }, secrets.standbyCaKey);
  const certificates = Object.fromEntries(Object.entries(pub.lans).flatMap(([name, r]) => (r.certificate ? [[name, r.certificate]] : [])));
  const lans = Object.fromEntries(Object.entries(pub.lans).map(([name, { certificate: _old, ...rest }]) => [name, rest]));
  // Every tunnel restarts in this step (its certificate changes), forgetting the CA before the retiring one.
  const { standbyCa: _standby, formerCaCrl: _former, ...rest } = pub;
  const { standbyCaKey, ...otherSecrets } = secrets;
  return {
    public: {
      ...rest,
      lans,
      ca: { certificate, nextSerial: ca.nextSerial, number: pub.standbyCa.number },
      retiringCa: { certificate: pub.ca.certificate, since: now.toISOString(), certificates },
    },
    secrets: { ...otherSecrets, caKey: standbyCaKey, retiringCaKey: secrets.caKey },
  };
}

/**
 * Step 2 (`rotate --ca --finish`): the retiring CA is no longer trusted.
 * A tunnel started in step 1 still trusts it until it restarts, since
 * OpenVPN reads its CAs once; what it re-reads at every handshake is
 * keys/crl.pem. So the retiring CA signs a last CRL that revokes every
 * certificate it issued to the mesh's gateways, which stays in crl.pem
 * until the next rotation, and its key is deleted. No tunnel restarts.
 */
export function finishCaRotation(state: MeshState, now: Date): MeshState {
  const { retiringCa, ...pub } = state.public;
  const { retiringCaKey, ...secrets } = state.secrets;
  if (!retiringCa || !retiringCaKey) throw new UserError('no CA rotation is in progress; start one with "p2pvpn rotate --ca"');
  const revoked = [...pub.revoked];
  for (const [name, cert] of Object.entries(retiringCa.certificates))
    if (!revoked.some((r) => r.serial === cert.serial)) revoked.push({ serial: cert.serial, name, date: now.toISOString() });
  const formerCaCrl = issueCrl({ caCertificatePem: retiringCa.certificate.pem, caKeyPem: retiringCaKey, revoked });
  return { public: { ...pub, revoked, formerCaCrl }, secrets };
}
