import { isAbsolute, relative, sep } from 'node:path';

/**
 * What the yaml-language-server modeline of a new lans.yaml points at.
 *
 * A relative path when the running p2pvpn's schema sits inside the project
 * that will hold the file (p2pvpn installed in the project's node_modules,
 * or this repository): it works in every checkout and offline. Otherwise
 * (a global install, npx) a path into that installation would only work on
 * this machine, so the published copy of this version is named instead.
 */
export function schemaReference(lansDir: string, projectRoot: string | undefined, schemaFile: string, version: string): string {
  if (projectRoot !== undefined && isInside(projectRoot, schemaFile)) {
    const path = relative(lansDir, schemaFile).split(sep).join('/');
    return path.startsWith('../') ? path : `./${path}`;
  }
  return `https://unpkg.com/p2pvpn@${version}/schema/lans.schema.json`;
}

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
