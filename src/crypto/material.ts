import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { AllocationChanges } from '../allocate/allocate.js';
import type { LansConfig } from '../model/schema.js';
import type { MeshState, PublicState, SecretState } from '../state/types.js';
import type { Subject } from './certs.js';
import { type KeySource, presharedKey, tlsCryptKey } from './keys.js';

/** Certificates start an hour early so that gateways with a slightly slow clock accept them. */
const CLOCK_SKEW_MS = 3_600_000;

/** Told how many key pairs of how many are done, so a shell can show progress; the core never writes to a terminal. */
export type KeyProgress = (done: number, total: number) => void;

/**
 * Adds exactly the key material the allocation lacks: nothing that exists is
 * touched. Removed LANs' certificates are revoked and their secrets dropped.
 */
export async function provisionMaterial(
  config: LansConfig,
  numbered: PublicState,
  prevSecrets: SecretState,
  changes: AllocationChanges,
  keys: KeySource,
  now: Date,
  onProgress: KeyProgress = () => {},
): Promise<MeshState> {
  const pub: PublicState = { ...numbered, lans: structuredClone(numbered.lans), revoked: [...numbered.revoked] };
  const secrets = keepActiveSecrets(movedSecrets(prevSecrets, changes), pub);
  const names = Object.entries(pub.lans)
    .sort((a, b) => a[1].number - b[1].number)
    .map(([name]) => name);
  const revoke = (serial: number | undefined, name: string): void => {
    if (serial !== undefined && !pub.revoked.some((r) => r.serial === serial)) pub.revoked.push({ serial, name, date: now.toISOString() });
  };
  // During a CA rotation a gateway has two certificates that peers accept: both stop working.
  for (const name of changes.removedLans) for (const serial of [pub.retired[name]?.serial, pub.retiringCa?.certificates[name]?.serial]) revoke(serial, name);
  // A moved gateway's certificate named its old id; it gets a new one.
  for (const moved of changes.renamed) for (const serial of [moved.serial, pub.retiringCa?.certificates[moved.from]?.serial]) revoke(serial, moved.from);
  if (pub.retiringCa) {
    const kept = Object.entries(pub.retiringCa.certificates).filter(([id]) => pub.lans[id]);
    pub.retiringCa = { ...pub.retiringCa, certificates: Object.fromEntries(kept) };
  }
  if (config.mesh.backend === 'openvpn') await provisionOpenVpn(config, pub, secrets, names, keys, now, onProgress);
  else provisionWireGuard(pub, secrets, names, keys, onProgress);
  return { public: pub, secrets };
}

async function provisionOpenVpn(
  config: LansConfig,
  pub: PublicState,
  secrets: SecretState,
  names: string[],
  keys: KeySource,
  now: Date,
  onProgress: KeyProgress,
): Promise<void> {
  const { organisation, caDays, certDays } = config.mesh.certificates;
  const notBefore = new Date(Math.floor((now.getTime() - CLOCK_SKEW_MS) / 1000) * 1000);
  const missing = names.filter((n) => !pub.lans[n]!.certificate);
  if (pub.ca && pub.standbyCa && missing.length === 0) return addTlsCryptKeys(pub, secrets, keys);
  // node-forge loads only when a certificate is issued, while the key pairs generate.
  const certs = import('./certs.js');
  // A gateway that keeps its key (a CA rotation reissues every certificate) needs no new pair.
  const newKeys = missing.filter((n) => !secrets.lans[n]?.key);
  // All key pairs at once: node:crypto spreads them over the thread pool, so every core works.
  const total = newKeys.length + (pub.ca ? 0 : 1) + (pub.standbyCa ? 0 : 1);
  let done = 0;
  const counted = async () => {
    const pair = await keys.rsaKeyPair();
    onProgress(++done, total);
    return pair;
  };
  const [caPair, standbyPair, ...pairs] = await Promise.all([pub.ca ? undefined : counted(), pub.standbyCa ? undefined : counted(), ...newKeys.map(counted)]);
  const { issueCaCertificate, issueGatewayCertificate } = await certs;
  if (caPair) {
    const subject: Subject = { commonName: `${config.mesh.name} CA`, organisation };
    pub.ca = {
      certificate: issueCaCertificate({ subject, publicPem: caPair.publicPem, serial: 1, notBefore, days: caDays }, caPair.privatePem),
      nextSerial: 2,
    };
    secrets.caKey = caPair.privatePem;
  }
  const ca = pub.ca!;
  if (standbyPair) {
    const number = (ca.number ?? 1) + 1;
    const subject: Subject = { commonName: `${config.mesh.name} CA ${number}`, organisation };
    pub.standbyCa = {
      certificate: issueCaCertificate({ subject, publicPem: standbyPair.publicPem, serial: ca.nextSerial++, notBefore, days: caDays }, standbyPair.privatePem),
      number,
    };
    secrets.standbyCaKey = standbyPair.privatePem;
  }
  const issuer = { privatePem: secrets.caKey!, certificatePem: ca.certificate.pem };
  const fresh = new Map(newKeys.map((name, i) => [name, pairs[i]!]));
  for (const name of missing) {
    const pair = fresh.get(name) ?? { privatePem: secrets.lans[name]!.key!, publicPem: publicPemOf(secrets.lans[name]!.key!) };
    const certificate = issueGatewayCertificate({ commonName: name, publicPem: pair.publicPem, serial: ca.nextSerial++, notBefore, days: certDays }, issuer);
    pub.lans[name] = { ...pub.lans[name]!, certificate };
    secrets.lans[name] = { ...secrets.lans[name], key: pair.privatePem };
  }
  addTlsCryptKeys(pub, secrets, keys);
}

function publicPemOf(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ type: 'spki', format: 'pem' }).toString();
}

function addTlsCryptKeys(pub: PublicState, secrets: SecretState, keys: KeySource): void {
  for (const pair of pub.pairs) {
    const record = (secrets.pairs[pair.number] ??= {});
    record.tlsCrypt ??= tlsCryptKey(keys);
  }
}

function provisionWireGuard(pub: PublicState, secrets: SecretState, names: string[], keys: KeySource, onProgress: KeyProgress): void {
  const missing = names.filter((name) => !(pub.lans[name]!.wgPublicKey && secrets.lans[name]?.wgPrivateKey));
  for (const [i, name] of missing.entries()) {
    const pair = keys.x25519KeyPair();
    onProgress(i + 1, missing.length);
    pub.lans[name] = { ...pub.lans[name]!, wgPublicKey: pair.publicKey };
    secrets.lans[name] = { ...secrets.lans[name], wgPrivateKey: pair.privateKey };
  }
  for (const pair of pub.pairs) {
    const record = (secrets.pairs[pair.number] ??= {});
    record.psk ??= presharedKey(keys);
  }
}

/** A gateway whose record moved to a new id keeps its WireGuard key; its certificate's key goes with the certificate. */
function movedSecrets(prev: SecretState, changes: AllocationChanges): SecretState {
  if (changes.renamed.length === 0) return prev;
  const lans = { ...prev.lans };
  for (const { from, to } of changes.renamed) {
    const wgPrivateKey = prev.lans[from]?.wgPrivateKey;
    delete lans[from];
    lans[to] = wgPrivateKey === undefined ? {} : { wgPrivateKey };
  }
  return { ...prev, lans };
}

/** Secrets of LANs and pairs that left the mesh are dropped: nothing should be able to use them again. */
function keepActiveSecrets(prev: SecretState, pub: PublicState): SecretState {
  const lans: SecretState['lans'] = {};
  for (const name of Object.keys(pub.lans)) if (prev.lans[name]) lans[name] = { ...prev.lans[name] };
  const pairs: SecretState['pairs'] = {};
  for (const pair of pub.pairs) if (prev.pairs[pair.number]) pairs[pair.number] = { ...prev.pairs[pair.number] };
  return { ...prev, lans, pairs };
}
