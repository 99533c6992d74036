import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file is dist/src/io/packageFiles.js. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The `version` of the running p2pvpn's package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The commented two-LAN lans.yaml that `p2pvpn init` starts from, shipped as a file of its own. */
export function exampleLansText(): string {
  return readFileSync(join(PACKAGE_ROOT, 'templates/init/lans.yaml'), 'utf8');
}
