import { lanGateways } from '../../model/gateways.js';
import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';
import { lanRef } from './lanRef.js';

/** Names that would collide with files the bundle or the state already use (keys/ca.crt, run/, ...). */
export const RESERVED_NAMES = new Set(['ca', 'crl', 'all', 'any', 'default', 'none', 'keys', 'run', 'self', 'state', 'mesh', 'localhost']);

/** No two LANs with the same name after case folding; no reserved names; gateways with names of their own and bundles. */
export function checkNames(config: LansConfig, report: Report): void {
  const seen = new Map<string, number>();
  config.lans.forEach((lan, i) => {
    const folded = lan.name.toLowerCase();
    if (RESERVED_NAMES.has(folded)) report(['lans', i, 'name'], `"${lan.name}" is reserved, choose another name`);
    const first = seen.get(folded);
    if (first === undefined) seen.set(folded, i);
    else report(['lans', i, 'name'], `"${lan.name}" is already the name of ${lanRef(config, first).replace(/ \(.*\)$/, '')}, each LAN needs its own name`);
  });
  checkGatewayNames(config, report);
}

/** Gateway names differ within their LAN, and no <lan>-<gateway> names another LAN or gateway: each names a bundle. */
function checkGatewayNames(config: LansConfig, report: Report): void {
  const ids = new Map<string, string>(config.lans.map((lan, i) => [lan.name.toLowerCase(), `the name of ${lanRef(config, i).replace(/ \(.*\)$/, '')}`]));
  config.lans.forEach((lan, i) => {
    if (lan.gateways === undefined) return;
    const names = new Set<string>();
    for (const g of lanGateways(lan, i)) {
      const path = [...g.path, 'name'];
      if (names.has(g.name!)) {
        report(path, `"${g.name}" is already a gateway of ${lan.name}, each gateway of a LAN needs its own name`);
        continue;
      }
      names.add(g.name!);
      const taken = ids.get(g.id);
      if (taken) report(path, `gateway ${g.name} of ${lan.name} would have the bundle ${g.id}, which is already ${taken}; rename the gateway`);
      else ids.set(g.id, `gateway ${g.name} of ${lan.name}`);
    }
  });
}
