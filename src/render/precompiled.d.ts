import type Handlebars from 'handlebars';

/** precompiled.js is written by the build (src/render/precompile.ts, after tsc): every template, compiled. */
export declare const templates: Record<string, Parameters<typeof Handlebars.template>[0]>;
/** The pieces templates/partials/ holds, which templates include as `{{> partials/<name>}}`. */
export declare const partials: Record<string, Parameters<typeof Handlebars.template>[0]>;
