import type { Streams } from '../cli/io.js';
import { forgetLanKeys } from '../crypto/rekey.js';
import { UserError } from '../errors.js';
import { runGenerate } from './generate.js';

export interface RotateOptions {
  out: string;
  state?: string;
}

/**
 * `p2pvpn rotate <lan>`: a new key pair (and certificate, the old one
 * revoked) for one gateway and new keys for each of its links, then the
 * same run as generate, which rewrites only the bundles that changed.
 */
export function runRotate(file: string, lan: string, opts: RotateOptions, io: Streams): Promise<number> {
  return runGenerate(file, { ...opts, command: 'rotate', prepare: (state, config, now) => {
    const names = config.lans.map((l) => l.name);
    if (!names.includes(lan)) throw new UserError(`${file}: no LAN named "${lan}"; its LANs are ${names.join(', ')}`);
    return forgetLanKeys(state, lan, now);
  } }, io);
}
