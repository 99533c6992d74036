import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';
import { lanRef } from './lanRef.js';

/** Names that would collide with files the bundle or the state already use (keys/ca.crt, run/, ...). */
export const RESERVED_NAMES = new Set(['ca', 'crl', 'all', 'any', 'default', 'none', 'keys', 'run', 'self', 'state', 'mesh', 'localhost']);

/** No two LANs with the same name after case folding; no reserved names. */
export function checkNames(config: LansConfig, report: Report): void {
  const seen = new Map<string, number>();
  config.lans.forEach((lan, i) => {
    const folded = lan.name.toLowerCase();
    if (RESERVED_NAMES.has(folded)) report(['lans', i, 'name'], `"${lan.name}" is reserved, choose another name`);
    const first = seen.get(folded);
    if (first === undefined) seen.set(folded, i);
    else report(['lans', i, 'name'], `"${lan.name}" is already the name of ${lanRef(config, first).replace(/ \(.*\)$/, '')}, each LAN needs its own name`);
  });
}
