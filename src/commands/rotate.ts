import { finishCaRotation, forgetLanKeys, startCaRotation } from '../crypto/rekey.js';
import { ExitCode, UserError } from '../errors.js';
import { defaultStateDir } from '../io/lansFile.js';
import { output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { allGateways } from '../model/gateways.js';
import { type GenerateOptions, type GenerateRun, generate } from './generate.js';

export interface RotateOptions extends GenerateOptions {
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
export function runRotate(file: string, lan: string | undefined, opts: RotateOptions, io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const misuse = usageProblem(lan, opts);
  if (misuse !== undefined) {
    out.error(`p2pvpn: error: ${misuse}\n(run p2pvpn rotate --help for usage)`);
    return Promise.resolve(ExitCode.usage);
  }
  const prepare: GenerateRun['prepare'] = (state, config, now) => {
    if (opts.ca && config.mesh.backend !== 'openvpn') throw new UserError(`${file}: a WireGuard mesh has no CA to rotate`);
    if (opts.ca) return opts.finish ? finishCaRotation(state, now) : startCaRotation(state, config.mesh.certificates.caDays, now);
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
  return generate({ file, outDir: opts.out, stateDir: opts.state ?? defaultStateDir(file), command: 'rotate', prepare }, out);
}

/** One LAN, or --ca (with --finish or not): what commander's arguments cannot say. */
function usageProblem(lan: string | undefined, opts: RotateOptions): string | undefined {
  if (opts.finish && !opts.ca) return '--finish ends a CA rotation, give it with --ca';
  if (opts.ca && lan !== undefined) return "rotate --ca rotates the whole mesh's CA, give no LAN";
  if (!opts.ca && lan === undefined) return "missing required argument 'lan' (or give --ca)";
  return undefined;
}
