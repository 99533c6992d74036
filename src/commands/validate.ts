import type { Streams } from '../cli/io.js';
import { output, type GlobalOptions } from '../cli/output.js';
import { count } from '../model/problems.js';
import { inspectMesh } from './inspect.js';

export interface ValidateOptions extends GlobalOptions {
  state?: string;
}

/** `p2pvpn validate`: every check `generate` makes before it creates keys, with the same messages; writes nothing. */
export async function runValidate(file: string, opts: ValidateOptions, io: Streams): Promise<number> {
  const out = output(io, opts);
  const { problems, mesh } = inspectMesh(file, opts.state);
  out.problems(problems);
  if (!mesh) return 1;
  const lans = mesh.config.lans.length;
  out.detail(mesh.stateExists ? `checked against the saved state in ${mesh.stateDir}` : `no state in ${mesh.stateDir} yet: checked as a first generate`);
  out.info(`${file}: ${out.out.green('valid')}, ${count(lans, 'LAN')} and ${count((lans * (lans - 1)) / 2, 'link')} over ${mesh.config.mesh.backend}`);
  return 0;
}
