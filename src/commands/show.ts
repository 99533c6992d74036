import { ExitCode } from '../errors.js';
import { type GlobalOptions, output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { formatView } from '../show/table.js';
import { inspectMesh, viewOf } from './inspect.js';

export interface ShowOptions extends GlobalOptions {
  json?: boolean;
  state?: string;
}

/** `p2pvpn show`: LANs and links as a table or JSON; reads the state, writes nothing, generates no keys. */
export async function runShow(file: string, opts: ShowOptions, io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const { problems, mesh } = inspectMesh(file, opts.state);
  out.problems(problems);
  if (!mesh) return ExitCode.userError;
  out.detail(mesh.stateExists ? `state: ${mesh.stateDir}` : `state: ${mesh.stateDir} does not exist yet, showing a preview`);
  const view = viewOf(mesh);
  out.data(opts.json ? JSON.stringify(view, null, 2) : formatView(view));
  return ExitCode.ok;
}
