import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every file and folder under `dir` with its mode and a hash of its bytes:
 * enough to prove nothing changed, without ever printing key material.
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (rel: string): void => {
    const abs = join(dir, rel);
    const st = lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) {
      out[rel] = `link ${readlinkSync(abs)}`;
    } else if (st.isDirectory()) {
      out[`${rel}/`] = `dir ${mode}`;
      for (const name of readdirSync(abs).sort()) walk(rel === '' ? name : join(rel, name));
    } else {
      out[rel] = `${mode} ${st.size} ${createHash('sha256').update(readFileSync(abs)).digest('hex')} ${st.mtimeMs}`;
    }
  };
  walk('');
  return out;
}
