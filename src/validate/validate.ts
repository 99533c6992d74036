import { isMap, isScalar, isSeq } from 'yaml';
import type { z } from 'zod';
import type { Report } from '../model/problems.js';
import { formatPath, type Problem } from '../model/problems.js';
import { type Lan, LanSchema, type LansConfig, LansSchema, MeshSchema } from '../model/schema.js';
import { keyPositionOf, parseLans, positionOf, type SourceDoc } from '../parse/parseLans.js';
import { rules } from './rules/index.js';
import { fileIndex } from './rules/lanRef.js';

export interface ValidationResult {
  config?: LansConfig;
  source?: SourceDoc;
  problems: Problem[];
}

/** Parse and check lans.yaml text; `config` is present only when there is no error. */
export function validateLans(file: string, text: string): ValidationResult {
  const parsed = parseLans(file, text);
  if (!parsed.source || parsed.data === undefined) return { problems: parsed.problems };
  const { source } = parsed;
  const result = LansSchema.safeParse(parsed.data);
  const found: Problem[] = [];
  const report = reporter(source, found);
  if (result.success) {
    for (const rule of rules) rule(result.data, report);
  } else {
    found.push(...result.error.issues.flatMap((i) => issueProblems(source, i)));
    runRulesOnValidParts(parsed.data, report);
  }
  // A value the parser already refused (say "0x10") is not reported a second time.
  const taken = new Set(parsed.problems.map((p) => `${p.line}:${p.col}`));
  const problems = [...parsed.problems, ...found.filter((p) => !taken.has(`${p.line}:${p.col}`))];
  const hasError = problems.some((p) => p.severity === 'error');
  return hasError || !result.success ? { source, problems } : { source, config: result.data, problems };
}

/**
 * When some LANs have schema errors, the relations between the others (overlaps,
 * duplicate names, endpoints) are still worth reporting in the same run. This
 * needs a valid `mesh:`; without one the rules wait for the next run.
 */
function runRulesOnValidParts(data: unknown, report: Report): void {
  const { mesh, lans } = (data ?? {}) as { mesh?: unknown; lans?: unknown };
  const parsedMesh = MeshSchema.safeParse(mesh);
  if (!parsedMesh.success || !Array.isArray(lans)) return;
  const valid: { lan: Lan; index: number }[] = [];
  lans.forEach((raw, index) => {
    const lan = LanSchema.safeParse(raw);
    if (!lan.success) return;
    valid.push({ lan: lan.data, index });
    fileIndex.set(lan.data, index);
  });
  // Rules see the valid LANs as lans[0..]; their paths are mapped back to the file's indices.
  const remapped: Report = (path, message, severity) => {
    const real = path[0] === 'lans' && typeof path[1] === 'number' ? ['lans', valid[path[1]]!.index, ...path.slice(2)] : path;
    report(real, message, severity);
  };
  const config: LansConfig = { mesh: parsedMesh.data, lans: valid.map((v) => v.lan) };
  for (const rule of rules) rule(config, remapped);
}

/** A `report` bound to this document, so rules only name a path. */
export function reporter(source: SourceDoc, into: Problem[]): Report {
  return (path, message, severity = 'error') => {
    const pos = positionOf(source, path);
    into.push({ severity, file: source.file, line: pos.line, col: pos.col, path: formatPath(path), message });
  };
}

function issueProblems(source: SourceDoc, issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const base = { severity: 'error' as const, file: source.file };
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const pos = keyPositionOf(source, path, key);
      return { ...base, ...pos, path: formatPath([...path, key]), message: `unknown key "${key}", expected one of: ${knownKeys(path)}` };
    });
  }
  const pos = positionOf(source, path);
  return [{ ...base, ...pos, path: formatPath(path), message: issueMessage(source, issue, path) }];
}

function issueMessage(source: SourceDoc, issue: z.core.$ZodIssue, path: (string | number)[]): string {
  if (issue.code === 'invalid_type' && !source.doc.hasIn(path)) {
    return `required field "${path[path.length - 1]}" is missing, add it`;
  }
  if (issue.code === 'invalid_type') {
    const found = describeNode(path.length === 0 ? source.doc.contents : source.doc.getIn(path, true));
    return `${issue.message}, found ${found}`;
  }
  return issue.message;
}

/** What the user wrote, in words; long text is cut so a message stays one readable line. */
function describeNode(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  const value = isScalar(node) ? node.value : node;
  if (value === null || value === undefined) return 'nothing (null)';
  if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}...` : value}"`;
  return `${typeof value} ${String(value)}`;
}

/** The keys a strict object at `path` accepts, to suggest the right spelling. */
function knownKeys(path: readonly (string | number)[]): string {
  let schema: z.ZodType = LansSchema;
  for (const part of path) {
    schema = unwrap(schema);
    const def = (schema as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType } }).def;
    if (def.type === 'object' && typeof part === 'string' && def.shape?.[part]) schema = def.shape[part]!;
    else if (def.type === 'array' && typeof part === 'number' && def.element) schema = def.element;
  }
  const def = (unwrap(schema) as unknown as { def: { shape?: Record<string, unknown> } }).def;
  return Object.keys(def.shape ?? {}).join(', ');
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { def: { type: string; innerType?: z.ZodType } };
  while (s.def.innerType && ['default', 'prefault', 'optional'].includes(s.def.type)) s = s.def.innerType as never;
  return s as unknown as z.ZodType;
}
