import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Streams } from '../cli/io.js';
import { output, type GlobalOptions } from '../cli/output.js';
import { meshDot } from '../graph/dot.js';
import { meshMermaid } from '../graph/mermaid.js';
import { renderSvg } from '../graph/render.js';
import { UserError } from '../errors.js';
import { inspectMesh, viewOf } from './inspect.js';

export interface GraphOptions extends GlobalOptions {
  out: string;
  state?: string;
}

/** `p2pvpn graph`: the topology as <mesh>.svg, <mesh>.dot and <mesh>.mmd; reads the state, generates no keys. */
export async function runGraph(file: string, opts: GraphOptions, io: Streams): Promise<number> {
  const out = output(io, opts);
  const { problems, mesh } = inspectMesh(file, opts.state);
  out.problems(problems);
  if (!mesh) return 1;
  const view = viewOf(mesh);
  const dot = meshDot(view);
  const svg = await renderSvg(dot);
  for (const [ext, text] of [['svg', svg], ['dot', dot], ['mmd', meshMermaid(view)]] as const) {
    const path = join(opts.out, `${view.mesh}.${ext}`);
    writeText(path, text);
    out.info(`wrote ${path}`);
  }
  out.detail(view.source === 'state' ? `numbers from ${mesh.stateDir}` : `no state in ${mesh.stateDir}: numbers the next generate would give`);
  return 0;
}

/** A folder that cannot be written is the user's to fix, not a bug. */
function writeText(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (err) {
    throw new UserError(`${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? 'unknown error'}); choose another folder with --out`);
  }
}
