import type { z } from 'zod';
import { UserError } from '../errors.js';
import type { StateProblem } from './checkState.js';
import { OLDEST_VERSION, upgrade } from './migrate.js';
import { type MeshState, type PublicState, type SecretState, STATE_VERSION } from './types.js';

/** Canonical JSON: LANs and pairs in number order, so the same state always writes the same bytes. */
export function serializePublic(state: PublicState): string {
  const byNumber = <T extends { number: number }>(rec: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(rec).sort((a, b) => a[1].number - b[1].number));
  const ordered: PublicState = {
    version: state.version,
    kind: state.kind,
    generation: state.generation,
    mesh: state.mesh,
    nextLan: state.nextLan,
    nextPair: state.nextPair,
    lans: byNumber(state.lans),
    retired: byNumber(state.retired),
    pairs: [...state.pairs].sort((a, b) => a.number - b.number),
    ...(state.ca ? { ca: state.ca } : {}),
    ...(state.standbyCa ? { standbyCa: state.standbyCa } : {}),
    ...(state.retiringCa ? { retiringCa: { ...state.retiringCa, certificates: sortedByKey(state.retiringCa.certificates) } } : {}),
    ...(state.formerCaCrl ? { formerCaCrl: state.formerCaCrl } : {}),
    revoked: [...state.revoked].sort((a, b) => a.serial - b.serial),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

function sortedByKey<T>(rec: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(rec).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function serializeSecrets(secrets: SecretState): string {
  const sortedKeys = <T>(rec: Record<string, T>, cmp?: (a: string, b: string) => number): Record<string, T> =>
    Object.fromEntries(Object.entries(rec).sort((a, b) => (cmp ? cmp(a[0], b[0]) : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  const ordered: SecretState = {
    version: secrets.version,
    kind: secrets.kind,
    generation: secrets.generation,
    ...(secrets.caKey ? { caKey: secrets.caKey } : {}),
    ...(secrets.standbyCaKey ? { standbyCaKey: secrets.standbyCaKey } : {}),
    ...(secrets.retiringCaKey ? { retiringCaKey: secrets.retiringCaKey } : {}),
    lans: sortedKeys(secrets.lans),
    pairs: sortedKeys(secrets.pairs, (a, b) => Number(a) - Number(b)),
  };
  return `${JSON.stringify(ordered)}\n`;
}

/** A state file this p2pvpn cannot read at all: never fall back to a backup, the user must upgrade. */
export class NewerStateError extends UserError {}

/** A state file read and brought up to the current format. */
export interface ParsedStateFile<T> {
  value: T;
  /** The version on disk when it was older than this p2pvpn's. */
  upgradedFrom?: number;
}

/** Reads a state file's text; an unknown kind or a newer version is refused, never guessed at; an older one is upgraded. */
export function parseStateFile<T extends PublicState | SecretState>(text: string, file: string, kind: T['kind']): ParsedStateFile<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not valid JSON; restore it from ${file}.bak or from your backup (the state was left untouched)`);
  }
  const v = value as { version?: unknown; kind?: unknown };
  if (typeof value !== 'object' || value === null || v.kind !== kind) {
    throw new UserError(
      `${file}: not a p2pvpn ${kind === 'p2pvpn-state' ? 'state' : 'secrets'} file (its kind is not "${kind}");` +
        ` restore it from ${file}.bak or from your backup (the state was left untouched)`,
    );
  }
  if (typeof v.version !== 'number' || v.version > STATE_VERSION) {
    throw new NewerStateError(
      `${file}: written by a newer p2pvpn (format version ${String(v.version)}, this one reads up to ${STATE_VERSION});` +
        ' upgrade p2pvpn, the state was left untouched',
    );
  }
  if (!Number.isInteger(v.version) || v.version < OLDEST_VERSION) {
    throw new UserError(`${file}: format version ${v.version} is older than any p2pvpn release reads (${OLDEST_VERSION} to ${STATE_VERSION})`);
  }
  if (v.version === STATE_VERSION) return { value: value as T };
  const upgraded = upgrade(value as Record<string, unknown>, kind === 'p2pvpn-state' ? 'public' : 'secrets');
  return { value: upgraded as unknown as T, upgradedFrom: v.version };
}

/** Both files' canonical text, made once per run: to tell whether the run changed the state, then to save it. */
export interface StateTexts {
  public: string;
  secrets: string;
}

/** Each text is made when first read, so a comparison that stops at mesh.json never serializes secrets.json. */
export function serializeState(state: MeshState): StateTexts {
  let pub: string | undefined;
  let secrets: string | undefined;
  return {
    get public() {
      return (pub ??= serializePublic(state.public));
    },
    get secrets() {
      return (secrets ??= serializeSecrets(state.secrets));
    },
  };
}

/**
 * Whether `prev` serializes to the texts of the next state. The text prev
 * was loaded from is tried first: a file p2pvpn wrote is canonical, so when
 * it equals the new text, prev need not be serialized again (megabytes for a
 * large OpenVPN mesh). Otherwise prev is serialized and compared.
 */
export function sameStateAs(next: StateTexts, prev: MeshState, loadedTexts?: StateTexts): boolean {
  return (
    (next.public === loadedTexts?.public || next.public === serializePublic(prev.public)) &&
    (next.secrets === loadedTexts?.secrets || next.secrets === serializeSecrets(prev.secrets))
  );
}

/** What the start of a canonical text says; `mesh` only in mesh.json. */
export interface StateHeader {
  version: number;
  kind: string;
  generation: number;
  mesh?: string;
}

const HEADERS = [
  {
    pattern: /^\{\n  "version": (\d+),\n  "kind": "(p2pvpn-state)",\n  "generation": (\d+),\n  "mesh": "([a-z0-9-]+)",\n/,
    keys: ['"version"', '"kind"', '"generation"', '"mesh"'],
  },
  { pattern: /^\{"version":(\d+),"kind":"(p2pvpn-secrets)","generation":(\d+),/, keys: ['"version"', '"kind"', '"generation"'] },
];

/**
 * The header of a state text in the form serializePublic or serializeSecrets
 * writes it, read without parsing the rest; undefined for any other form, or
 * when one of these keys appears again later (JSON.parse would take the last).
 */
export function canonicalHeader(text: string): StateHeader | undefined {
  for (const { pattern, keys } of HEADERS) {
    const m = pattern.exec(text);
    if (!m) continue;
    if (keys.some((key) => text.indexOf(key, m[0].length) !== -1)) return undefined;
    return { version: Number(m[1]), kind: m[2]!, generation: Number(m[3]), ...(m[4] !== undefined ? { mesh: m[4] } : {}) };
  }
  return undefined;
}

/** Canonical texts start with version, kind and generation (see above), so the generation is replaced where it stands. */
const GENERATION = /^(\{\s*"version":\s?\d+,\s*"kind":\s?"p2pvpn-(?:state|secrets)",\s*"generation":\s?)\d+,/;

/** The same canonical text with another generation: what serializing the state with that generation writes. */
export function withGeneration(text: string, generation: number): string {
  if (!GENERATION.test(text)) throw new Error('withGeneration: not a canonical state text');
  return text.replace(GENERATION, (_, head: string) => `${head}${generation},`);
}

/** Where a state file departs from its schema; messages name the place, never the value (it may be a secret). */
export function shapeProblems(schema: z.ZodType, value: unknown, file: StateProblem['file']): StateProblem[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.slice(0, 20).map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.code === 'invalid_type'
          ? `expected ${issue.expected}`
          : issue.message;
    return { file, path, message };
  });
}
