import { type MeshState, pairKey } from './types.js';

/** One contradiction found in the state folder: which file, where in it, what is wrong. */
export interface StateProblem {
  file: 'mesh.json' | 'secrets.json';
  path: string;
  message: string;
}

/**
 * Contradictions that no run can reconcile: numbers that would be handed out
 * twice (two tunnels on one port or transit block), links to LANs the state
 * does not know, certificates whose keys are gone. The input may add, remove
 * or rename LANs and switch backends; a state that contradicts itself is
 * refused instead, since any repair would be a guess about which half is right.
 */
export function checkState(state: MeshState): StateProblem[] {
  return [...checkLanNumbers(state), ...checkPairs(state), ...checkSerials(state), ...checkKeys(state)];
}

function checkLanNumbers({ public: pub }: MeshState): StateProblem[] {
  const problems: StateProblem[] = [];
  const owner = new Map<number, string>();
  const records = [
    ...Object.entries(pub.lans).map(([n, r]) => ({ path: `lans.${n}`, name: n, number: r.number })),
    ...Object.entries(pub.retired).map(([n, r]) => ({ path: `retired.${n}`, name: n, number: r.number })),
  ];
  for (const r of records) {
    const other = owner.get(r.number);
    if (other !== undefined)
      problems.push({ file: 'mesh.json', path: `${r.path}.number`, message: `LAN number ${r.number} is also given to ${other}, each LAN number is used once` });
    else owner.set(r.number, r.name);
    if (r.number >= pub.nextLan)
      problems.push({
        file: 'mesh.json',
        path: `${r.path}.number`,
        message: `LAN number ${r.number} is not below nextLan (${pub.nextLan}), so it would be handed out again`,
      });
    if (r.path.startsWith('retired.') && pub.lans[r.name])
      problems.push({ file: 'mesh.json', path: r.path, message: `${r.name} is both an active and a retired LAN` });
  }
  return problems;
}

function checkPairs({ public: pub }: MeshState): StateProblem[] {
  const problems: StateProblem[] = [];
  const numbers = new Map<number, number>();
  const ends = new Map<string, number>();
  // Paths are built only for a problem: a 200-LAN state has 19,900 pairs, nearly always sound.
  pub.pairs.forEach((pair, i) => {
    const [a, b] = pair.lans;
    if (!pub.lans[a] || !pub.lans[b]) {
      pair.lans.forEach((lan, j) => {
        if (!pub.lans[lan])
          problems.push({
            file: 'mesh.json',
            path: `pairs[${i}].lans[${j}]`,
            message: `link ${pair.number} names LAN "${lan}", which is not among the state's active LANs`,
          });
      });
    }
    if (a === b) problems.push({ file: 'mesh.json', path: `pairs[${i}].lans`, message: `link ${pair.number} joins ${a} to itself` });
    const sameNumber = numbers.get(pair.number);
    if (sameNumber !== undefined)
      problems.push({
        file: 'mesh.json',
        path: `pairs[${i}].number`,
        message: `link number ${pair.number} is also used by pairs[${sameNumber}], two tunnels would share a port and transit block`,
      });
    else numbers.set(pair.number, i);
    const key = pairKey(a, b);
    const sameEnds = ends.get(key);
    if (sameEnds !== undefined)
      problems.push({ file: 'mesh.json', path: `pairs[${i}]`, message: `${a} and ${b} are already joined by pairs[${sameEnds}], each two LANs have one link` });
    else ends.set(key, i);
    if (pair.number >= pub.nextPair)
      problems.push({
        file: 'mesh.json',
        path: `pairs[${i}].number`,
        message: `link number ${pair.number} is not below nextPair (${pub.nextPair}), so it would be handed out again`,
      });
  });
  return problems;
}

function checkSerials({ public: pub }: MeshState): StateProblem[] {
  if (!pub.ca) {
    const issued = Object.entries(pub.lans).find(([, r]) => r.certificate);
    return issued ? [{ file: 'mesh.json', path: `lans.${issued[0]}.certificate`, message: 'a gateway certificate is recorded but no CA that issued it' }] : [];
  }
  const problems: StateProblem[] = [];
  // An imported CA may have no recorded serial (it did not fit a JSON number).
  const caSerial = pub.ca.certificate.serial as number | undefined;
  const seen = new Map<number, string>(caSerial === undefined ? [] : [[caSerial, 'ca.certificate']]);
  const serials = [
    ...Object.entries(pub.lans).flatMap(([n, r]) => (r.certificate ? [{ path: `lans.${n}.certificate.serial`, serial: r.certificate.serial }] : [])),
    ...Object.entries(pub.retired).flatMap(([n, r]) => (r.serial !== undefined ? [{ path: `retired.${n}.serial`, serial: r.serial }] : [])),
    ...(pub.standbyCa ? [{ path: 'standbyCa.certificate.serial', serial: pub.standbyCa.certificate.serial }] : []),
    ...Object.entries(pub.retiringCa?.certificates ?? {}).map(([n, r]) => ({ path: `retiringCa.certificates.${n}.serial`, serial: r.serial })),
  ];
  for (const s of serials) {
    const other = seen.get(s.serial);
    if (other !== undefined)
      problems.push({
        file: 'mesh.json',
        path: s.path,
        message: `certificate serial ${s.serial} is also the serial of ${other}, a CA issues each serial once`,
      });
    else seen.set(s.serial, s.path);
  }
  const highest = Math.max(0, ...seen.keys(), ...pub.revoked.map((r) => r.serial));
  if (pub.ca.nextSerial <= highest)
    problems.push({
      file: 'mesh.json',
      path: 'ca.nextSerial',
      message: `${pub.ca.nextSerial} is not above the highest serial issued (${highest}), so a serial would be issued twice`,
    });
  return problems;
}

/** A certificate whose private key is gone cannot be used or silently replaced. */
function checkKeys({ public: pub, secrets }: MeshState): StateProblem[] {
  const problems: StateProblem[] = [];
  if (pub.ca && !secrets.caKey)
    problems.push({
      file: 'secrets.json',
      path: 'caKey',
      message: 'the CA key is missing while mesh.json records the CA certificate, so no certificate can be issued',
    });
  if (!pub.ca && secrets.caKey) problems.push({ file: 'mesh.json', path: 'ca', message: 'the CA certificate is missing while secrets.json holds a CA key' });
  if (pub.standbyCa && !secrets.standbyCaKey)
    problems.push({
      file: 'secrets.json',
      path: 'standbyCaKey',
      message: 'the standby CA key is missing while mesh.json records the standby CA certificate, which every gateway trusts',
    });
  if (pub.retiringCa && !secrets.retiringCaKey)
    problems.push({
      file: 'secrets.json',
      path: 'retiringCaKey',
      message: 'the retiring CA key is missing while mesh.json records a CA rotation in progress, so its revocation list cannot be signed',
    });
  for (const [name, record] of Object.entries(pub.lans)) {
    if (record.certificate && !secrets.lans[name]?.key)
      problems.push({
        file: 'secrets.json',
        path: `lans.${name}.key`,
        message: `the private key of ${name} is missing while mesh.json records its certificate`,
      });
  }
  return problems;
}
