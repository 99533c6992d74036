import type { Streams } from '../cli/io.js';
import { forgetLanKeys } from '../crypto/rekey.js';
import { UserError } from '../errors.js';
import { allGateways } from '../model/gateways.js';
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
    // A gateway by its bundle's name; a LAN with several gateways by its name rotates each of them.
    const gateways = allGateways(config);
    const chosen = gateways.filter((g) => g.id === lan || (g.lan.name === lan && g.name !== undefined)).map((g) => g.id);
    if (chosen.length === 0) {
      const several = gateways.length > config.lans.length;
      throw new UserError(several ? `${file}: no LAN or gateway named "${lan}"; its gateways are ${gateways.map((g) => g.id).join(', ')}` : `${file}: no LAN named "${lan}"; its LANs are ${config.lans.map((l) => l.name).join(', ')}`);
    }
    return chosen.reduce((s, id) => forgetLanKeys(s, id, now), state);
  } }, io);
}
