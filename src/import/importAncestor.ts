import { keyMismatches } from '../state/consistency.js';
import { emptyState, type MeshState } from '../state/types.js';
import { type AncestorGateway, parseCache } from './cache.js';
import { checkImportedLans } from './checkLans.js';
import { fileText, folderEntries, type ImportProblems } from './entries.js';
import type { AncestorFolder } from './folder.js';
import { type ImportedKeys, importKeys } from './keys.js';
import { importedLansYaml } from './lansYaml.js';
import { type AncestorPair, MAX_PAIR, parsePairs } from './servers.js';

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
 * Returns every problem of the folder instead when it cannot be imported:
 * each part is checked even when another has problems.
 */
export function importAncestor(folder: AncestorFolder, mesh: string, now: Date): { result?: AncestorImport; problems: ImportProblems } {
  const problems: ImportProblems = [];
  const dir = folder.dir.replace(/\/+$/, '');
  const cacheText = fileText(folder.cache, `${dir}/cache.txt`, problems, 'is this a P2P-VPN working folder?');
  if (cacheText === undefined) return { problems };
  const gateways = parseCache(cacheText, `${dir}/cache.txt`, problems);
  const servers = folderEntries(folder.servers, `${dir}/servers`, problems, "P2P-VPN keeps the tunnels' configs there");
  const pairs = parsePairs(servers, gateways, `${dir}/servers`, problems);
  const missingPairs = unpaired(gateways, pairs);
  const counter = readPairCounter(folder, pairs, missingPairs.length, `${dir}/p2p_pair_id.txt`, problems);
  const paired = new Set(pairs.flatMap((p) => p.ends));
  const keyFiles = folderEntries(folder.keys, `${dir}/keys`, problems, "P2P-VPN's CA database is kept there");
  // A keys/ that is not a folder was reported as such: its files are not reported missing one by one.
  const keys =
    folder.keys.kind === 'folder'
      ? importKeys(
          keyFiles,
          gateways.map((g) => g.name),
          paired,
          `${dir}/keys`,
          now,
          problems,
        )
      : undefined;
  // What p2pvpn itself checks in a lans.yaml (private subnets, overlaps, endpoints), said at the cache.txt line it comes from.
  const sound = gateways.filter((g) => g.sound);
  const lansYaml = importedLansYaml(mesh, folder.dir, sound, keys?.organisation);
  if (sound.length >= 2) checkImportedLans(lansYaml, sound, `${dir}/cache.txt`, problems);
  if (problems.length > 0 || !keys) return { problems: byPlace(problems) };

  const state = importedState(mesh, gateways, pairs, counter, keys);
  const mismatches = keyMismatches(state);
  if (mismatches.length > 0) return { problems: mismatches.map((m) => `${dir}/keys: ${m}`) };
  return { result: { lansYaml, state, gateways, pairs, keys, missingPairs }, problems };
}

/** Problems in file order, and by line within a file, as an editor lists them. */
function byPlace(problems: ImportProblems): ImportProblems {
  const place = (p: string): [string, number] => {
    const m = /^(.*?)(?::(\d+))?: /.exec(p);
    return [m?.[1] ?? p, Number(m?.[2] ?? 0)];
  };
  return problems
    .map((p, i) => ({ p, i, at: place(p) }))
    .sort((a, b) => (a.at[0] < b.at[0] ? -1 : a.at[0] > b.at[0] ? 1 : a.at[1] - b.at[1] || a.i - b.i))
    .map((x) => x.p);
}

function importedState(mesh: string, gateways: AncestorGateway[], pairs: AncestorPair[], counter: number, keys: ImportedKeys): MeshState {
  const state = emptyState(mesh);
  const pub = state.public;
  gateways.forEach((g, i) => {
    const kept = keys.certificates.get(g.name);
    pub.lans[g.name] = { number: i + 1, ...(kept ? { certificate: kept.certificate } : {}) };
    if (kept) state.secrets.lans[g.name] = { key: kept.key };
  });
  pub.nextLan = gateways.length + 1;
  pub.pairs = pairs.map((p) => ({ number: p.number, lans: p.ends }));
  pub.nextPair = counter;
  pub.ca = keys.ca;
  pub.revoked = keys.revoked;
  state.secrets.caKey = keys.caKey;
  return state;
}

function unpaired(gateways: AncestorGateway[], pairs: AncestorPair[]): [string, string][] {
  const joined = new Set(pairs.map((p) => [...p.ends].sort().join(' ')));
  const missing: [string, string][] = [];
  for (let i = 0; i < gateways.length; i++) {
    for (let j = i + 1; j < gateways.length; j++) {
      if (!joined.has([gateways[i]!.name, gateways[j]!.name].sort().join(' '))) missing.push([gateways[i]!.name, gateways[j]!.name]);
    }
  }
  return missing;
}

/**
 * p2p_pair_id.txt holds the next pair number (absent only before P2P-VPN
 * made its first pair): above every pair it made, and with room below 256
 * for the pairs it never made, which are numbered from it.
 */
function readPairCounter(folder: AncestorFolder, pairs: AncestorPair[], missing: number, file: string, problems: ImportProblems): number {
  if (folder.pairId === undefined && pairs.length === 0) return 1;
  const text = fileText(folder.pairId, file, problems, `but servers/ holds ${pairs.length} pairs`);
  if (text === undefined) return 1;
  const value = text.trim();
  const counter = /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : NaN;
  const highest = pairs.reduce((m, p) => Math.max(m, p.number), 0);
  if (Number.isNaN(counter) || counter > MAX_PAIR + 1)
    problems.push(
      `${file}: expected the next pair number, a whole number from 1 to ${MAX_PAIR + 1}` +
        ` (P2P-VPN's 172.17.<pair>.0/24 addresses end at pair ${MAX_PAIR}), found "${value}"`,
    );
  else if (counter <= highest)
    problems.push(`${file}: says the next pair is ${counter}, but servers/ holds pair ${highest}; P2P-VPN would hand that number out again`);
  else if (counter + missing - 1 > MAX_PAIR)
    problems.push(
      `${file}: the ${missing} pairs P2P-VPN never made would be numbered ${counter} to ${counter + missing - 1},` +
        ` beyond pair ${MAX_PAIR}, the last its 172.17.<pair>.0/24 addresses allow`,
    );
  return Number.isNaN(counter) ? 1 : counter;
}
