import { Composer, type Document, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, type Node, Parser, Scalar, visit } from 'yaml';
import { formatPath, type Problem } from '../model/problems.js';

/** Far larger than any real mesh (200 LANs take about 40 KB). */
export const MAX_FILE_BYTES = 1024 * 1024;

/** A parsed lans.yaml that still knows where every value came from. */
export interface SourceDoc {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface ParseResult {
  source?: SourceDoc;
  /** The plain data, present only when the YAML itself is sound. */
  data?: unknown;
  problems: Problem[];
}

/** Plain scalars that YAML 1.1 reads as booleans: refused unless quoted. */
const YAML11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
/** Numbers with a leading zero: octal in YAML 1.1, decimal in 1.2. */
const LEADING_ZERO_NUMBER = /^[-+]?0[0-9_]+$/;
/** Sexagesimal numbers like 1:20, a YAML 1.1 integer. */
const SEXAGESIMAL = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;
/** The only number lans.yaml needs is a plain decimal integer; 0x10, 1e3, 1.5, .inf are refused. */
const DECIMAL_INTEGER = /^[-+]?(0|[1-9][0-9]*)$/;
/** The deepest real value is lans[i].gateway.endpoint (4 levels); far deeper is an attack, not a mesh. */
export const MAX_DEPTH = 16;

const EMPTY = 'the file is empty, expected a mapping with "mesh" and "lans"';

/**
 * Refusals decided on the raw text, before the YAML parser sees it: size and
 * runaway nesting. Returns the lexer's tokens otherwise, so the text is lexed once.
 */
function lexSafely(file: string, text: string): { tokens: string[] } | { problem: Problem } {
  const at = (offset: number, message: string): { problem: Problem } => {
    const before = text.slice(0, offset);
    return { problem: { severity: 'error', file, line: before.split('\n').length, col: offset - before.lastIndexOf('\n'), path: '', message } };
  };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES)
    return {
      problem: {
        severity: 'error',
        file,
        line: 1,
        col: 1,
        path: '',
        message: `the file is ${bytes} bytes, far more than any mesh needs; keep it under ${MAX_FILE_BYTES} bytes`,
      },
    };
  const lexed = lexWithinDepth(text);
  return 'tokens' in lexed ? lexed : at(lexed.offset, lexed.message);
}

/** The documents of `text` from its tokens: what parseAllDocuments does, without lexing the text again. */
function composeDocuments(tokens: readonly string[], lines: LineCounter): Document.Parsed[] {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const cst = [...tokens.flatMap((token) => [...parser.next(token)]), ...parser.end()];
  return Array.from(new Composer({ lineCounter: lines, version: '1.2', uniqueKeys: true, merge: false, prettyErrors: false, strict: true }).compose(cst));
}

export function parseLans(file: string, text: string): ParseResult {
  const problems: Problem[] = [];
  const lines = new LineCounter();
  const at = (offset: number, message: string, path = ''): Problem => {
    const pos = lines.linePos(offset);
    return { severity: 'error', file, line: pos.line, col: pos.col, path, message };
  };
  const lexed = lexSafely(file, text);
  if ('problem' in lexed) return { problems: [lexed.problem] };
  const docs = composeDocuments(lexed.tokens, lines);
  if (docs.length === 0) return { problems: [at(0, EMPTY)] };
  if (docs.length > 1) {
    const second = docs[1]!;
    problems.push(at(second.range[0], `the file holds ${docs.length} YAML documents, expected exactly one (remove the "---" separators)`));
  }
  const doc = docs[0]!;
  // Unresolved tags are only warnings to the YAML library; findUnsafeNodes reports every tag.
  for (const err of [...doc.errors, ...doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED')]) {
    problems.push(at(err.pos[0], yamlMessage(err.code, err.message, text.slice(err.pos[0], err.pos[0] + 41))));
  }
  const source: SourceDoc = { file, doc, lines };
  if (problems.length > 0) return { source, problems };
  const deep = findTooDeep(doc.contents);
  if (deep)
    return {
      source,
      problems: [at(deep.range?.[0] ?? 0, `the document nests deeper than ${MAX_DEPTH} levels, lans.yaml needs at most 4 (lans[].gateway.endpoint)`)],
    };
  const unsafe = findUnsafeNodes(source);
  problems.push(...unsafe.problems);
  // Aliases and non-scalar keys make the plain data unsafe to build; odd scalars still let the schema check the rest.
  if (unsafe.fatal) return { source, problems };
  if (doc.contents === null) return { source, problems: [at(0, EMPTY)] };
  return { source, data: doc.toJS({ maxAliasCount: 0 }), problems };
}

/** The YAML library's own messages carry a code excerpt; keep the first sentence and say what to do. */
function yamlMessage(code: string, message: string, source: string): string {
  const first = message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/\.$/, '');
  if (code === 'DUPLICATE_KEY') {
    const key = /^[A-Za-z0-9_-]{1,40}(?![A-Za-z0-9_-])/.exec(source)?.[0];
    return `duplicate key${key ? ` "${key}"` : ''}, each key may appear once in a mapping`;
  }
  if (/call stack/i.test(first)) return `the document nests far too deeply, lans.yaml needs at most 4 levels`;
  return `YAML syntax error: ${first}`;
}

/** Aliases, anchors, tags and YAML 1.1-style scalars: each is refused with its position. */
function findUnsafeNodes(source: SourceDoc): { problems: Problem[]; fatal: boolean } {
  const problems: Problem[] = [];
  let fatal = false;
  const push = (node: Node, path: readonly unknown[], message: string): void => {
    const pos = source.lines.linePos(node.range?.[0] ?? 0);
    problems.push({ severity: 'error', file: source.file, line: pos.line, col: pos.col, path: docPath(path, node), message });
  };
  visit(source.doc, {
    Alias(_key, node, path) {
      push(node, path, `alias "*${node.source}" is not allowed, write the value out in full`);
      fatal = true;
      return visit.SKIP;
    },
    Pair(_key, pair, path) {
      if (!isScalar(pair.key) || (typeof pair.key.value !== 'string' && typeof pair.key.value !== 'number')) {
        const node = (pair.key ?? pair.value ?? path[path.length - 1]) as Node;
        push(node, path, 'a key must be a plain word like "name", not a list, mapping or empty key');
        fatal = true;
        return visit.SKIP;
      }
      return undefined;
    },
    Node(_key, node, path) {
      if (isAlias(node)) return undefined;
      if (node.anchor) push(node, path, `anchor "&${node.anchor}" is not allowed, write each value out in full`);
      if (node.tag) push(node, path, `explicit tag "${node.tag.replace('tag:yaml.org,2002:', '!!')}" is not allowed, remove it`);
      const odd = isScalar(node) && node.type === Scalar.PLAIN && typeof node.source === 'string' ? plainScalarProblem(node.source, node.value) : undefined;
      if (odd) push(node, path, odd);
      return undefined;
    },
  });
  return { problems, fatal };
}

/** A plain scalar that YAML 1.1 and 1.2 read differently, or a number in a form lans.yaml never needs. */
function plainScalarProblem(src: string, value: unknown): string | undefined {
  if (YAML11_BOOLEANS.test(src)) return `bare "${src}" is a boolean in YAML 1.1 and a string in YAML 1.2, quote it ("${src}") or write true/false`;
  if (LEADING_ZERO_NUMBER.test(src)) return `"${src}" has a leading zero (octal in YAML 1.1), write it without the zero or quote it`;
  if (SEXAGESIMAL.test(src)) return `"${src}" is a base-60 number in YAML 1.1, quote it`;
  if (typeof value === 'number' && !DECIMAL_INTEGER.test(src))
    return `"${src}" is read as a number that is not a plain whole number, write a decimal like 1500 or quote it if text is meant`;
  return undefined;
}

/** Lines indented further than this cannot belong to a 4-level document; deeper input only strains the parser. */
const MAX_INDENT = 80;
/** One-character markers the YAML lexer adds to its token stream; they are not source text. */
const LEXER_MARKERS = new Set(['\x02', '\x18', '\x1f']);

/**
 * Nesting deep enough to exhaust the YAML composer's stack (which can abort
 * the process rather than throw), found before parsing: flow brackets and
 * "- "/"? " indicators counted on the lexer's iterative token stream, and
 * indentation measured per line. Sound text gives back its tokens.
 */
function lexWithinDepth(text: string): { tokens: string[] } | { offset: number; message: string } {
  const tooDeep = `the document nests deeper than ${MAX_DEPTH} levels, lans.yaml needs at most 4 (lans[].gateway.endpoint)`;
  const tokens: string[] = [];
  let offset = 0;
  let flow = 0;
  let onLine = 0;
  for (const token of new Lexer().lex(text)) {
    tokens.push(token);
    if (LEXER_MARKERS.has(token)) continue;
    if (token === '[' || token === '{') flow++;
    else if (token === ']' || token === '}') flow--;
    else if (token === '-' || token === '?') onLine++;
    else if (token.includes('\n')) onLine = 0;
    if (flow > MAX_DEPTH || onLine > MAX_DEPTH) return { offset, message: tooDeep };
    offset += token.length;
  }
  const indented = new RegExp(`^[ \\t]{${MAX_INDENT + 1},}`, 'm').exec(text);
  return indented
    ? { offset: indented.index, message: `a line is indented more than ${MAX_INDENT} columns, lans.yaml needs far less; use 2 spaces per level` }
    : { tokens };
}

/** The first node nested deeper than MAX_DEPTH, found without recursion so depth itself cannot overflow the stack. */
function findTooDeep(root: unknown): Node | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_DEPTH) return node;
    for (const item of node.items) stack.push({ node: isPair(item) ? item.value : item, depth: depth + 1 });
  }
  return undefined;
}

/** Turns the visitor's ancestors and node into a document path like `lans[1].name`. */
function docPath(ancestors: readonly unknown[], node: unknown): string {
  const chain = [...ancestors, node];
  const parts: (string | number)[] = [];
  for (let i = 1; i < chain.length; i++) {
    const prev = chain[i - 1];
    const cur = chain[i];
    if (isPair(cur)) parts.push(isScalar(cur.key) ? String(cur.key.value) : String(cur.key));
    else if (isSeq(prev)) parts.push(prev.items.indexOf(cur as never));
  }
  return formatPath(parts);
}

/** Where a value sits in the file; for a missing key, its nearest present ancestor. */
export function positionOf(source: SourceDoc, path: readonly (string | number)[]): { line: number; col: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = source.doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (node && typeof node === 'object' && node.range) {
      const pos = source.lines.linePos(node.range[0]);
      return { line: pos.line, col: pos.col };
    }
  }
  return { line: 1, col: 1 };
}

/** Where a mapping key sits, for problems about the key itself (unknown keys). */
export function keyPositionOf(source: SourceDoc, path: readonly (string | number)[], key: string): { line: number; col: number } {
  const map = source.doc.getIn(path, true);
  if (isMap(map)) {
    const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) {
      const pos = source.lines.linePos(pair.key.range[0]);
      return { line: pos.line, col: pos.col };
    }
  }
  return positionOf(source, path);
}
