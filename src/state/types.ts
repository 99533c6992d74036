/**
 * What survives between runs. The public part (numbers, certificates, public
 * keys) is safe to review and commit; the secret part never leaves the
 * generating machine except each gateway's own keys inside its own bundle.
 */
export const STATE_VERSION = 3;

export interface CertRecord {
  pem: string;
  serial: number;
  notBefore: string;
  notAfter: string;
}

export interface LanRecord {
  number: number;
  certificate?: CertRecord;
  wgPublicKey?: string;
}

export interface PairRecord {
  number: number;
  /** End 1 first: the LAN with the lower number, or the one P2P-VPN named first for an imported pair. */
  lans: [string, string];
}

export interface RetiredLan {
  number: number;
  serial?: number;
}

export interface PublicState {
  version: typeof STATE_VERSION;
  kind: 'p2pvpn-state';
  /** Bumped by every save, in both files: a pair of files with different generations was torn by a crash. */
  generation: number;
  mesh: string;
  nextLan: number;
  nextPair: number;
  lans: Record<string, LanRecord>;
  retired: Record<string, RetiredLan>;
  pairs: PairRecord[];
  /** The CA that issues every gateway certificate. `number` counts the CAs the mesh has had (absent: the first). */
  ca?: { certificate: CaCertRecord; nextSerial: number; number?: number };
  /**
   * The next CA, made ahead and shipped in every bundle's keys/ca.crt before it
   * issues anything (pre-publication, as in DNSSEC key rollovers): when
   * `rotate --ca` makes it the CA, every gateway already trusts it.
   */
  standbyCa?: { certificate: CertRecord; number: number };
  /** During a CA rotation: the CA it replaced, still trusted, and the certificates it had issued to the active LANs. */
  retiringCa?: { certificate: CaCertRecord; since: string; certificates: Record<string, CertRecord> };
  /**
   * After a rotation: the last CRL of the CA it replaced, revoking everything
   * that CA issued, signed when the rotation finished (its key is gone).
   * Tunnels started during the rotation still trust that CA until they
   * restart, and OpenVPN re-reads only the CRL; the next rotation drops it.
   */
  formerCaCrl?: string;
  revoked: { serial: number; name: string; date: string }[];
}

/** An imported CA's serial may be too large for a JSON number; p2pvpn never needs it. */
export type CaCertRecord = Omit<CertRecord, 'serial'> & { serial?: number };

export interface SecretState {
  version: typeof STATE_VERSION;
  kind: 'p2pvpn-secrets';
  generation: number;
  caKey?: string;
  standbyCaKey?: string;
  retiringCaKey?: string;
  lans: Record<string, { key?: string; wgPrivateKey?: string }>;
  pairs: Record<string, { psk?: string; tlsCrypt?: string }>;
}

export interface MeshState {
  public: PublicState;
  secrets: SecretState;
}

export function emptyState(mesh: string): MeshState {
  return {
    public: { version: STATE_VERSION, kind: 'p2pvpn-state', generation: 0, mesh, nextLan: 1, nextPair: 1, lans: {}, retired: {}, pairs: [], revoked: [] },
    secrets: { version: STATE_VERSION, kind: 'p2pvpn-secrets', generation: 0, lans: {}, pairs: {} },
  };
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}
