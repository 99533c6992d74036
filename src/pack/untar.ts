import { extract } from 'tar-stream';

export interface TarFile {
  /** Path inside the bundle, without the leading `<lan>/`. */
  path: string;
  mode: number;
  content: Buffer;
}

/**
 * The regular files of a bundle's tar stream (folders carry nothing a
 * summary needs). Entries are taken through tar-stream's
 * callbacks: an OpenVPN bundle has hundreds of small files, and async
 * iteration over each costs more than reading it.
 */
export function filesOfTar(tar: Buffer): Promise<TarFile[]> {
  return new Promise((resolve, reject) => {
    const files: TarFile[] = [];
    const reader = extract();
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        // A tar held in memory hands each file over as one view of it: no copy then.
        const content = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (header.type === 'file') files.push({ path: header.name.slice(header.name.indexOf('/') + 1), mode: header.mode ?? 0, content });
        next();
      });
    });
    reader.on('finish', () => resolve(files));
    reader.on('error', reject);
    reader.end(tar);
  });
}
