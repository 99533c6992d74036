import { gunzipTarball } from './tarball.js';
import { extract } from 'tar-stream';

export interface TarFile {
  /** Path inside the bundle, without the leading `<lan>/`. */
  path: string;
  mode: number;
  content: Buffer;
}

/** Reads the regular files of a bundle tarball (folders carry nothing a summary needs). */
export async function readBundleTarball(bytes: Buffer): Promise<TarFile[]> {
  const tar = extract();
  tar.end(await gunzipTarball(bytes));
  const files: TarFile[] = [];
  for await (const entry of tar) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const { name, type, mode } = entry.header;
    if (type === 'file') files.push({ path: name.split('/').slice(1).join('/'), mode: mode ?? 0, content: Buffer.concat(chunks) });
  }
  return files;
}
