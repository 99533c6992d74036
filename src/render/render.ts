import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { BundlePlan } from '../plan/types.js';

/** The templates folder at the package root (this file is dist/src/render/render.js). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

/** A rendered file, ready to pack. */
export interface BundleFile {
  path: string;
  mode: number;
  content: string;
}

export interface RenderedBundle {
  lan: string;
  files: BundleFile[];
}

// Strict: a missing value is an error, not an empty string. noEscape: a base64 key's "=" must stay "=".
const handlebars = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function template(name: string): Handlebars.TemplateDelegate {
  let fn = compiled.get(name);
  if (!fn) {
    const text = readFileSync(`${TEMPLATES_DIR}${name}.hbs`, 'utf8');
    fn = handlebars.compile(text, { strict: true, noEscape: true, assumeObjects: true });
    compiled.set(name, fn);
  }
  return fn;
}

export function renderBundle(plan: BundlePlan): RenderedBundle {
  const files = plan.files.map((f) => ({ path: f.path, mode: f.mode, content: 'content' in f ? f.content : flat(template(f.template)(f.view)) }));
  return { lan: plan.lan, files };
}

/**
 * Handlebars builds its output by concatenation, a tree of thousands of
 * small string pieces; every bundle is kept until packing, and copying those
 * trees at each garbage collection cost more than rendering. Reading a
 * character makes V8 flatten the string into one piece.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}
