import { forgetLanKeys } from '../crypto/rekey.js';
import { type ExitCode, UserError } from '../errors.js';
import { defaultStateDir } from '../io/lansFile.js';
import { output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { type GenerateOptions, type GenerateRun, generate } from './generate.js';

/**
 * `p2pvpn rotate <lan>`: a new key pair (and certificate, the old one
 * revoked) for one gateway and new keys for each of its links, then the
 * same run as generate, which rewrites only the bundles that changed.
 */
export function runRotate(file: string, lan: string, opts: GenerateOptions, io: Streams): Promise<ExitCode> {
  const prepare: GenerateRun['prepare'] = (state, config, now) => {
    const names = config.lans.map((l) => l.name);
    if (!names.includes(lan)) throw new UserError(`${file}: no LAN named "${lan}"; its LANs are ${names.join(', ')}`);
    return forgetLanKeys(state, lan, now);
  };
  return generate({ file, outDir: opts.out, stateDir: opts.state ?? defaultStateDir(file), command: 'rotate', prepare }, output(io, opts));
}
