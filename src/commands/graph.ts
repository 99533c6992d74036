import { join } from 'node:path';
import { ExitCode } from '../errors.js';
import { meshDot } from '../graph/dot.js';
import { meshMermaid } from '../graph/mermaid.js';
import { renderSvg } from '../graph/render.js';
import { writeTextFile } from '../io/files.js';
import { type GlobalOptions, output } from '../io/output.js';
import type { Streams } from '../io/streams.js';
import { inspectMesh, viewOf } from './inspect.js';

export interface GraphOptions extends GlobalOptions {
  out: string;
  state?: string;
}

/** `p2pvpn graph`: the topology as <mesh>.svg, <mesh>.dot and <mesh>.mmd; reads the state, generates no keys. */
export async function runGraph(file: string, opts: GraphOptions, io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const { problems, mesh } = inspectMesh(file, opts.state);
  out.problems(problems);
  if (!mesh) return ExitCode.userError;
  const view = viewOf(mesh);
  const dot = meshDot(view);
  const svg = await renderSvg(dot);
  for (const [ext, text] of [
    ['svg', svg],
    ['dot', dot],
    ['mmd', meshMermaid(view)],
  ] as const) {
    const path = join(opts.out, `${view.mesh}.${ext}`);
    writeTextFile(path, text, 'choose another folder with --out');
    out.info(`wrote ${path}`);
  }
  out.detail(view.source === 'state' ? `numbers from ${mesh.stateDir}` : `no state in ${mesh.stateDir}: numbers the next generate would give`);
  return ExitCode.ok;
}
