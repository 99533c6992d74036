import type { Lan, LansConfig } from '../../model/schema.js';

/**
 * Where each LAN sits in the file, when rules see only the LANs that passed
 * the schema (see validate.ts); without an entry a LAN's index is its own.
 */
export const fileIndex = new WeakMap<Lan, number>();

/** `lans[3] (vpc-us)`: how a message names another LAN, by its place in the file. */
export function lanRef(config: LansConfig, i: number): string {
  const lan = config.lans[i]!;
  return `lans[${fileIndex.get(lan) ?? i}] (${lan.name})`;
}
