import { ExitCode } from '../errors.js';
import { type GlobalOptions, output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
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
  out.detail(mesh.stateExists ? `checked against the saved state in ${mesh.stateDir}` : `no state in ${mesh.stateDir} yet: checked as a first generate`);
  out.info(`${file}: ${out.out.green('valid')}, ${count(lans, 'LAN')} and ${count((lans * (lans - 1)) / 2, 'link')} over ${mesh.config.mesh.backend}`);
  return ExitCode.ok;
}
