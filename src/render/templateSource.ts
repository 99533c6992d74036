import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The templates folder at the package root (this file is dist/src/render/templateSource.js). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

/**
 * How a template is compiled. noEscape: a base64 key's "=" must stay "=".
 * knownHelpersOnly: a name is always a value, never a helper to look for.
 * Templates reach the view's top with @root, never with ../: a template that
 * uses ../ anywhere makes Handlebars copy its stack of contexts for every item
 * of every loop. data (what @root needs) only for a template that uses it:
 * with data on, Handlebars wraps a block anew at every #if or #each in a loop.
 * strict: a value the view lacks throws instead of rendering as nothing, in
 * every run (precompile.ts keeps it cheap).
 */
export function compileOptions(text: string) {
  return {
    strict: true,
    assumeObjects: true,
    noEscape: true,
    knownHelpers: { each: true, if: true },
    knownHelpersOnly: true,
    data: text.includes('@root'),
  };
}

/** Every template's name, `<folder>/<file>` without `.hbs`, sorted; partials/ holds pieces the templates share, not templates. */
export function templateNames(): string[] {
  return hbsFiles().filter((name) => !name.startsWith(PARTIALS));
}

/** Every partial's name, as a template includes it: `{{> partials/<file>}}` on a line of its own. */
export function partialNames(): string[] {
  return hbsFiles().filter((name) => name.startsWith(PARTIALS));
}

const PARTIALS = 'partials/';

function hbsFiles(): string[] {
  return readdirSync(TEMPLATES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.hbs'))
    .map((path) => path.slice(0, -'.hbs'.length).split('\\').join('/'))
    .sort();
}

/** A template's text with each partial it includes written out: what it renders, line for line. */
export function expandedTemplate(name: string): string {
  const text = readFileSync(`${TEMPLATES_DIR}${name}.hbs`, 'utf8');
  return text.replace(/^\{\{> ([\w/-]+)\}\}\n/gm, (_, partial: string) => expandedTemplate(partial));
}
