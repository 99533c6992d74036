import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Streams } from '../cli/io.js';
import { output, type GlobalOptions } from '../cli/output.js';
import { UserError } from '../errors.js';
import { exampleLans } from '../init/example.js';
import { schemaReference } from '../init/schemaRef.js';
import { SCHEMA_PATH } from '../schema/jsonSchema.js';

/** The package root: this file is dist/src/commands/init.js. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `p2pvpn init`: writes a commented example lans.yaml; never overwrites a file. */
export async function runInit(file: string, opts: GlobalOptions, io: Streams): Promise<number> {
  const out = output(io, opts);
  const lansDir = dirname(resolve(file));
  const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const ref = schemaReference(lansDir, projectRootOf(lansDir), join(PACKAGE_ROOT, SCHEMA_PATH), version);
  try {
    writeFileSync(file, exampleLans(ref), { flag: 'wx', mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`${file} already exists; nothing was written (remove it, or give another name: p2pvpn init other.yaml)`);
    if (code === 'ENOENT') throw new UserError(`${file}: the folder ${dirname(file)} does not exist; nothing was written`);
    throw new UserError(`${file}: cannot write it (${code ?? 'unknown error'})`);
  }
  out.detail(`schema for editors: ${ref}`);
  out.info(`wrote ${file}: a two-LAN example. Edit it, then run: p2pvpn validate ${file} && p2pvpn generate ${file}`);
  return 0;
}

/** The nearest folder at or above `dir` with a package.json, if any. */
function projectRootOf(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return undefined;
  }
}
