import type { z } from 'zod';
import { keyPositionOf, parseLans, positionOf, type SourceDoc } from '../parse/parseLans.js';
import { formatPath, type Problem } from './problems.js';
import { rules, type Report } from './rules/index.js';
import { LansSchema, type LansConfig } from './schema.js';

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
  if (!result.success) return { source, problems: result.error.issues.flatMap((i) => issueProblems(source, i)) };
  const problems: Problem[] = [];
  const report = reporter(source, problems);
  for (const rule of rules) rule(result.data, report);
  const hasError = problems.some((p) => p.severity === 'error');
  return hasError ? { source, problems } : { source, config: result.data, problems };
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
    const found = describeValue(source.doc.getIn(path));
    return `${issue.message}, found ${found}`;
  }
  return issue.message;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text "${value}"`;
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
