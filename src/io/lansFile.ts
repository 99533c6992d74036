import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { UserError } from '../errors.js';

/** The state folder of a lans file when --state does not name one: `<stem>.state` beside it. */
export function defaultStateDir(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.state`);
}

/** The text of lans.yaml; a missing or unreadable file is the user's to fix. */
export function readLansFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${file}: no such file; create one with "p2pvpn init ${file}"` : `${file}: cannot read it (${code ?? 'unknown error'})`,
    );
  }
}
