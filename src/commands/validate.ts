import { ExitCode } from '../errors.js';
import { type GlobalOptions, output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { allGateways, linkCount } from '../model/gateways.js';
import { count } from '../model/problems.js';
import { inspectMesh } from './inspect.js';

export interface ValidateOptions extends GlobalOptions {
  state?: string;
}

/** `p2pvpn validate`: every check `generate` makes before it creates keys, with the same messages; writes nothing. */
export async function runValidate(file: string, opts: ValidateOptions, io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const { problems, mesh } = inspectMesh(file, opts.state);
  out.problems(problems);
  if (!mesh) return ExitCode.userError;
  const lans = mesh.config.lans.length;
  const gateways = allGateways(mesh.config).length;
  // Gateways are counted only where a LAN has several: a static mesh's line stays as it was.
  const what = gateways === lans ? count(lans, 'LAN') : `${count(lans, 'LAN')} (${count(gateways, 'gateway')})`;
  out.detail(mesh.stateExists ? `checked against the saved state in ${mesh.stateDir}` : `no state in ${mesh.stateDir} yet: checked as a first generate`);
  const routing = mesh.config.mesh.routing === 'bgp' ? ' with BGP' : '';
  out.info(`${file}: ${out.out.green('valid')}, ${what} and ${count(linkCount(mesh.config), 'link')} over ${mesh.config.mesh.backend}${routing}`);
  return ExitCode.ok;
}
