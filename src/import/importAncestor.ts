import { keyMismatches } from '../state/consistency.js';
import { emptyState, type MeshState } from '../state/types.js';
import { type AncestorGateway, parseCache } from './cache.js';
import type { AncestorFolder } from './folder.js';
import { type ImportedKeys, importKeys } from './keys.js';
import { importedLansYaml } from './lansYaml.js';
import { type AncestorPair, parsePairs } from './servers.js';

export interface AncestorImport {
  lansYaml: string;
  state: MeshState;
  gateways: AncestorGateway[];
  pairs: AncestorPair[];
  keys: ImportedKeys;
  /** Pairs of gateways P2P-VPN never joined: they get new numbers at the next generate. */
  missingPairs: [string, string][];
}

/**
 * Turns a P2P-VPN working folder into a lans.yaml and a p2pvpn state that
 * keep its pair numbers, ends, ports, tunnel addresses, CA and gateway keys.
 * Returns every problem found instead when the folder cannot be imported.
 */
export function importAncestor(folder: AncestorFolder, mesh: string, now: Date): { result?: AncestorImport; problems: string[] } {
  const problems: string[] = [];
  const dir = folder.dir.replace(/\/+$/, '');
  if (folder.cache === undefined) return { problems: [`${dir}/cache.txt: missing; is this a P2P-VPN working folder?`] };
  const gateways = parseCache(folder.cache, `${dir}/cache.txt`, problems);
  if (problems.length > 0) return { problems };
  const pairs = parsePairs(folder.servers, gateways, `${dir}/servers`, problems);
  const counter = readPairCounter(folder.pairId, pairs, `${dir}/p2p_pair_id.txt`, problems);
  const paired = new Set(pairs.flatMap((p) => p.ends));
  const keys = importKeys(
    folder.keys,
    gateways.map((g) => g.name),
    paired,
    `${dir}/keys`,
    now,
    problems,
  );
  if (problems.length > 0 || !keys) return { problems };

  const state = emptyState(mesh);
  const pub = state.public;
  gateways.forEach((g, i) => {
    const kept = keys.certificates.get(g.name);
    pub.lans[g.name] = { number: i + 1, ...(kept ? { certificate: kept.certificate } : {}) };
    if (kept) state.secrets.lans[g.name] = { key: kept.key };
  });
  pub.nextLan = gateways.length + 1;
  pub.pairs = pairs.map((p) => ({ number: p.number, lans: p.ends }));
  pub.nextPair = Math.max(counter, ...pairs.map((p) => p.number + 1));
  pub.ca = keys.ca;
  pub.revoked = keys.revoked;
  state.secrets.caKey = keys.caKey;
  const mismatches = keyMismatches(state);
  if (mismatches.length > 0) return { problems: mismatches.map((m) => `${dir}/keys: ${m}`) };

  const joined = new Set(pairs.map((p) => [...p.ends].sort().join(' ')));
  const missingPairs: [string, string][] = [];
  for (let i = 0; i < gateways.length; i++) {
    for (let j = i + 1; j < gateways.length; j++) {
      if (!joined.has([gateways[i]!.name, gateways[j]!.name].sort().join(' '))) missingPairs.push([gateways[i]!.name, gateways[j]!.name]);
    }
  }
  return { result: { lansYaml: importedLansYaml(mesh, folder.dir, gateways), state, gateways, pairs, keys, missingPairs }, problems };
}

/** p2p_pair_id.txt holds the next pair number; absent only before P2P-VPN made its first pair. */
function readPairCounter(text: string | undefined, pairs: AncestorPair[], file: string, problems: string[]): number {
  if (text === undefined) {
    if (pairs.length > 0) problems.push(`${file}: missing, but servers/ holds ${pairs.length} pairs`);
    return 1;
  }
  const value = text.trim();
  if (!/^[1-9][0-9]*$/.test(value)) {
    problems.push(`${file}: expected the next pair number, a whole number from 1, found "${value}"`);
    return 1;
  }
  return Number(value);
}
