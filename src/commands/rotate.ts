import { forgetLanKeys } from '../crypto/rekey.js';
import { type ExitCode, UserError } from '../errors.js';
import { defaultStateDir } from '../io/lansFile.js';
import { output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { allGateways } from '../model/gateways.js';
import { type GenerateOptions, type GenerateRun, generate } from './generate.js';

/**
 * `p2pvpn rotate <lan>`: a new key pair (and certificate, the old one
 * revoked) for one gateway and new keys for each of its links, then the
 * same run as generate, which rewrites only the bundles that changed.
 */
export function runRotate(file: string, lan: string, opts: GenerateOptions, io: Streams): Promise<ExitCode> {
  const prepare: GenerateRun['prepare'] = (state, config, now) => {
    // A gateway by its bundle's name; a LAN with several gateways by its name rotates each of them.
    const gateways = allGateways(config);
    const chosen = gateways.filter((g) => g.id === lan || (g.lan.name === lan && g.name !== undefined)).map((g) => g.id);
    if (chosen.length === 0) {
      const several = gateways.length > config.lans.length;
      throw new UserError(
        several
          ? `${file}: no LAN or gateway named "${lan}"; its gateways are ${gateways.map((g) => g.id).join(', ')}`
          : `${file}: no LAN named "${lan}"; its LANs are ${config.lans.map((l) => l.name).join(', ')}`,
      );
    }
    return chosen.reduce((s, id) => forgetLanKeys(s, id, now), state);
  };
  return generate({ file, outDir: opts.out, stateDir: opts.state ?? defaultStateDir(file), command: 'rotate', prepare }, output(io, opts));
}
