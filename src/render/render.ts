import type Handlebars from 'handlebars';
import runtime from 'handlebars/runtime.js';
import type { BundleFacts } from '../plan/facts.js';
import type { BundlePlan } from '../plan/types.js';
import { partials, templates } from './precompiled.js';

/** A rendered file, ready to pack. */
export interface BundleFile {
  path: string;
  mode: number;
  content: string;
}

export interface RenderedBundle {
  lan: string;
  files: BundleFile[];
  /** The plan's facts of the bundle, which explain how it differs from an old one. */
  facts(omit?: ReadonlySet<string>): BundleFacts;
}

// Templates are compiled at build time (precompile.ts); a run needs only the runtime.
// Its typings (handlebars/runtime.d.ts) declare nothing: it is the package's API without the compiler.
const handlebars = (runtime as unknown as typeof Handlebars).create();
templateHelpers(handlebars);
for (const [name, spec] of Object.entries(partials)) handlebars.registerPartial(name, handlebars.template(spec));
const loaded = new Map<string, Handlebars.TemplateDelegate>();

/**
 * Leaves a Handlebars environment with only the helpers templates use: the
 * built-in #if, and eachItem as #each. Every template call wraps each
 * registered helper again, so the unused built-ins only cost.
 */
export function templateHelpers(hb: typeof Handlebars): void {
  for (const name of Object.keys(hb.helpers)) if (name !== 'if') hb.unregisterHelper(name);
  hb.registerHelper('each', eachItem);
}

/**
 * `{{#each}}` over a list, and nothing else: no @index frame, no objects, no
 * {{else}}, none of which a template uses. Built-in `each` costs a frame and
 * block-param arrays per item, and a bundle has thousands of items. A value
 * that is missing or not a list is a bug in a view, so it throws.
 */
function eachItem(items: unknown, options: Handlebars.HelperOptions): string {
  if (!Array.isArray(items)) throw new Error(`#each needs a list, not ${typeof items}`);
  let out = '';
  for (let i = 0; i < items.length; i++) out += options.fn(items[i]);
  return out;
}

function template(name: string): Handlebars.TemplateDelegate {
  let fn = loaded.get(name);
  if (!fn) {
    const spec = templates[name];
    if (!spec) throw new Error(`no template ${name}`);
    fn = handlebars.template(spec);
    loaded.set(name, fn);
  }
  return fn;
}

export function renderBundle(plan: BundlePlan): RenderedBundle {
  const files = plan.files.map((f) => ({ path: f.path, mode: f.mode, content: 'content' in f ? f.content : template(f.template)(f.view) }));
  return { lan: plan.lan, files, facts: plan.facts };
}
