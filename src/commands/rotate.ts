import type { Streams } from '../cli/io.js';
import { finishCaRotation, forgetLanKeys, startCaRotation } from '../crypto/rekey.js';
import { UserError } from '../errors.js';
import { runGenerate } from './generate.js';

export interface RotateOptions {
  out: string;
  state?: string;
  /** Rotate the mesh's CA instead of one gateway's keys. */
  ca?: boolean;
  /** With `ca`: end the rotation, so the CA it replaced is no longer trusted. */
  finish?: boolean;
}

/**
 * `p2pvpn rotate <lan>`: a new key pair (and certificate, the old one
 * revoked) for one gateway and new keys for each of its links.
 * `p2pvpn rotate --ca`: the standby CA takes over and reissues every
 * certificate, the old CA still trusted; `--ca --finish` stops trusting it.
 * Either way the same run as generate follows, which rewrites only the
 * bundles that changed.
 */
export function runRotate(file: string, lan: string | undefined, opts: RotateOptions, io: Streams): Promise<number> {
  return runGenerate(file, { ...opts, command: 'rotate', prepare: (state, config, now) => {
    if (opts.ca && config.mesh.backend !== 'openvpn') throw new UserError(`${file}: a WireGuard mesh has no CA to rotate`);
    if (opts.ca) return opts.finish ? finishCaRotation(state, now) : startCaRotation(state, config.mesh.certificates.caDays, now);
    const names = config.lans.map((l) => l.name);
    if (!names.includes(lan!)) throw new UserError(`${file}: no LAN named "${lan}"; its LANs are ${names.join(', ')}`);
    return forgetLanKeys(state, lan!, now);
  } }, io);
}
