/**
 * What survives between runs. The public part (numbers, certificates, public
 * keys) is safe to review and commit; the secret part never leaves the
 * generating machine except each gateway's own keys inside its own bundle.
 */
export const STATE_VERSION = 2;

export interface CertRecord {
  pem: string;
  serial: number;
  notBefore: string;
  notAfter: string;
}

/** A gateway's record, under its id: the LAN's name, or <lan>-<gateway> for a LAN with several. */
export interface LanRecord {
  number: number;
  /** The LAN of a gateway of a LAN with several; absent for a LAN's only gateway, whose id is the LAN's name. */
  lan?: string;
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
  /** An imported CA's serial may be too large for a JSON number; p2pvpn never needs it. */
  ca?: { certificate: Omit<CertRecord, 'serial'> & { serial?: number }; nextSerial: number };
  revoked: { serial: number; name: string; date: string }[];
}

export interface SecretState {
  version: typeof STATE_VERSION;
  kind: 'p2pvpn-secrets';
  generation: number;
  caKey?: string;
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
