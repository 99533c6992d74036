import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PublicState, SecretState } from '../src/state/types.js';

/** The cryptography one run generated and the bytes it wrote: what its work floor redoes. */
export interface Work {
  rsaKeyPairs: number;
  signatures: number;
  tlsCryptKeys: number;
  x25519KeyPairs: number;
  presharedKeys: number;
  /** Uncompressed tar streams of the tarballs the run wrote, to compress again. */
  tars: Buffer[];
  /** Everything the run wrote: tarballs, state files and their backups. */
  bytesWritten: number;
}

export interface StateFiles {
  pub?: PublicState;
  secrets?: SecretState;
}

export function readState(stateDir: string): StateFiles {
  const read = <T>(name: string): T | undefined =>
    existsSync(join(stateDir, name)) ? (JSON.parse(readFileSync(join(stateDir, name), 'utf8')) as T) : undefined;
  return { pub: read<PublicState>('mesh.json'), secrets: read<SecretState>('secrets.json') };
}

/** Counts, from the state before and after a run, the key material that run created. */
export function countWork(before: StateFiles, after: StateFiles, written: { path: string; size: number }[], cwd: string): Work {
  const lans = Object.entries(after.pub?.lans ?? {});
  const oldLans = before.pub?.lans ?? {};
  const newCerts = lans.filter(([name, l]) => l.certificate && l.certificate.pem !== oldLans[name]?.certificate?.pem).length;
  const newCa = after.pub?.ca && after.pub.ca.certificate.pem !== before.pub?.ca?.certificate.pem ? 1 : 0;
  const pairs = Object.entries(after.secrets?.pairs ?? {});
  const oldPairs = before.secrets?.pairs ?? {};
  return {
    rsaKeyPairs: newCerts + newCa,
    signatures: newCerts + newCa,
    tlsCryptKeys: pairs.filter(([n, p]) => p.tlsCrypt && p.tlsCrypt !== oldPairs[n]?.tlsCrypt).length,
    x25519KeyPairs: lans.filter(([name, l]) => l.wgPublicKey && l.wgPublicKey !== oldLans[name]?.wgPublicKey).length,
    presharedKeys: pairs.filter(([n, p]) => p.psk && p.psk !== oldPairs[n]?.psk).length,
    tars: written.filter((f) => f.path.endsWith('.tar.gz')).map((f) => gunzipSync(readFileSync(join(cwd, f.path)))),
    bytesWritten: written.reduce((sum, f) => sum + f.size, 0),
  };
}

export function describeWork(w: Work): string {
  const parts = [
    [w.rsaKeyPairs, 'RSA key pairs'],
    [w.signatures, 'signatures'],
    [w.tlsCryptKeys, 'tls-crypt keys'],
    [w.x25519KeyPairs, 'X25519 key pairs'],
    [w.presharedKeys, 'PSKs'],
    [w.tars.length, 'tarballs'],
  ] as const;
  return (
    parts
      .filter(([n]) => n > 0)
      .map(([n, what]) => `${n} ${what}`)
      .join(', ') || 'nothing'
  );
}
