import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  mode: number;
  type: 'file' | 'directory' | 'other';
  uid: number;
  gid: number;
  mtime: number;
  content: Buffer;
}

/** Reads a .tar.gz into entries (ustar only, which is what p2pvpn writes); enough to assert on bundles. */
export function readTarGz(bytes: Buffer): TarEntry[] {
  const tar = gunzipSync(bytes);
  const entries: TarEntry[] = [];
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number): string =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const typeflag = field(156, 1);
    entries.push({
      name,
      mode: parseInt(field(100, 8).trim(), 8),
      type: typeflag === '5' ? 'directory' : typeflag === '0' || typeflag === '' ? 'file' : 'other',
      uid: parseInt(field(108, 8).trim() || '0', 8),
      gid: parseInt(field(116, 8).trim() || '0', 8),
      mtime: parseInt(field(136, 12).trim(), 8),
      content: Buffer.from(tar.subarray(off + 512, off + 512 + size)),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}
