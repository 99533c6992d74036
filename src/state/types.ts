import type { z } from 'zod';
import {
  type CertRecordSchema,
  type LanRecordSchema,
  type PairRecordSchema,
  type PublicStateFileSchema,
  type RetiredLanSchema,
  type SecretStateFileSchema,
  STATE_VERSION,
} from './schema.js';

/**
 * What survives between runs, as ./schema.ts defines it. The public part
 * (numbers, certificates, public keys) is safe to review and commit; the
 * secret part never leaves the generating machine except each gateway's own
 * keys inside its own bundle.
 */
export { STATE_VERSION };

export type CertRecord = z.output<typeof CertRecordSchema>;
export type LanRecord = z.output<typeof LanRecordSchema>;
export type PairRecord = z.output<typeof PairRecordSchema>;
export type RetiredLan = z.output<typeof RetiredLanSchema>;
export type PublicState = z.output<typeof PublicStateFileSchema>;
export type SecretState = z.output<typeof SecretStateFileSchema>;

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
