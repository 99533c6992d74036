import { dirname, join, resolve } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import { exampleLans } from '../init/example.js';
import { schemaReference } from '../init/schemaRef.js';
import { createFile, projectRootOf } from '../io/files.js';
import { type GlobalOptions, output } from '../io/output.js';
import { exampleLansText, PACKAGE_ROOT, packageVersion } from '../io/packageFiles.js';
import type { Streams } from '../io/streams.js';
import { SCHEMA_PATH } from '../schema/jsonSchema.js';

/** `p2pvpn init`: writes a commented example lans.yaml; never overwrites a file. */
export async function runInit(file: string, opts: GlobalOptions, io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const lansDir = dirname(resolve(file));
  const ref = schemaReference(lansDir, projectRootOf(lansDir), join(PACKAGE_ROOT, SCHEMA_PATH), packageVersion());
  const code = createFile(file, exampleLans(exampleLansText(), ref), 0o644);
  if (code === 'EEXIST') throw new UserError(`${file} already exists; nothing was written (remove it, or give another name: p2pvpn init other.yaml)`);
  if (code === 'ENOENT') throw new UserError(`${file}: the folder ${dirname(file)} does not exist; nothing was written`);
  if (code !== undefined) throw new UserError(`${file}: cannot write it (${code})`);
  out.detail(`schema for editors: ${ref}`);
  out.info(`wrote ${file}: a two-LAN example. Edit it, then run: p2pvpn validate ${file} && p2pvpn generate ${file}`);
  return ExitCode.ok;
}
