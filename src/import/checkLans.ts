import { validateLans } from '../validate/validate.js';
import type { AncestorGateway } from './cache.js';
import type { ImportProblems } from './entries.js';

/** What each part of a LAN in the written lans.yaml was made from, in cache.txt's words. */
const FIELDS: [RegExp, string][] = [
  [/^name$/, 'gateway name'],
  [/^subnets/, 'subnet'],
  [/^gateway\.endpoint$/, 'fqdn'],
  [/^gateway\.lanAddress$/, "subnet (its .1 is taken as the gateway's LAN address)"],
];

/**
 * Runs every check p2pvpn makes on a lans.yaml (private subnets, overlaps,
 * the transit range, endpoints) on the one import would write, and reports
 * each error at the cache.txt line its value came from: the user never saw
 * that lans.yaml, and it is never written while a problem remains.
 */
export function checkImportedLans(lansYaml: string, gateways: AncestorGateway[], cacheFile: string, problems: ImportProblems): void {
  const where = (i: number): string => `${cacheFile}:${gateways[i]!.line}`;
  for (const p of validateLans('lans.yaml', lansYaml).problems) {
    if (p.severity !== 'error') continue;
    // Messages name other LANs by their place in lans.yaml: name them by their line in cache.txt instead.
    const message = p.message.replace(/lans\[(\d+)\] \(([^)]+)\)/g, (_, i: string, name: string) => `${name} (${where(Number(i))})`);
    const lan = /^lans\[(\d+)\](?:\.(.*))?$/.exec(p.path);
    if (!lan) {
      problems.push(`${cacheFile}: ${message}`);
      continue;
    }
    const field = FIELDS.find(([pattern]) => pattern.test(lan[2] ?? ''))?.[1];
    problems.push(`${where(Number(lan[1]))}: ${gateways[Number(lan[1])]!.name}'s ${field ?? 'line'}: ${message}`);
  }
}
