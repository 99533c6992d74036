import type { z } from 'zod';

/** True when a value passes; false sends it to zod, which says what is wrong. */
export type FastCheck = (value: unknown) => boolean;

/** What this compiler reads of a zod schema: its def, and the def of each check on it. */
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  keyType?: Schema;
  valueType?: Schema;
  element?: Schema;
  items?: Schema[];
  rest?: Schema | null;
  innerType?: Schema;
  values?: unknown[];
  format?: string;
  pattern?: RegExp;
  checks?: { _zod: { def: { check: string; format?: string; pattern?: RegExp; value?: number; inclusive?: boolean } } }[];
}
type Schema = { _zod: { def: Def } };

/**
 * A zod schema turned into plain loops over the same patterns and bounds:
 * zod spends microseconds on each of the 20,000 links of a 200-LAN state
 * (140 ms a run for both files, against 25 ms for these). Only the kinds the
 * state schemas use are known; any other throws when the check is made, so
 * the schema cannot grow past this quietly. test/state-shape.test.ts holds
 * both to the same answers on damaged states.
 */
export function fastCheck(schema: z.ZodType): FastCheck {
  return compile(schema as unknown as Schema);
}

function compile(schema: Schema): FastCheck {
  const def = schema._zod.def;
  switch (def.type) {
    case 'object':
      return objectCheck(def.shape!);
    case 'record':
      return recordCheck(compile(def.keyType!), compile(def.valueType!));
    case 'array': {
      const each = compile(def.element!);
      return (v) => Array.isArray(v) && v.every(each);
    }
    case 'tuple':
      return tupleCheck(def);
    case 'optional': {
      const inner = compile(def.innerType!);
      return (v) => v === undefined || inner(v);
    }
    case 'literal':
      return (v) => def.values!.includes(v);
    case 'string':
      return stringCheck(def);
    case 'number':
      return numberCheck(def);
    default:
      throw new Error(`fastCheck: no plain check for a zod ${def.type}`);
  }
}

/** zod's objects and records both take any non-array object; state files come from JSON.parse, so every object is plain. */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectCheck(shape: Record<string, Schema>): FastCheck {
  const fields = Object.entries(shape).map(([key, field]) => [key, compile(field)] as const);
  return (v) => isObject(v) && fields.every(([key, check]) => check(v[key]));
}

function recordCheck(key: FastCheck, value: FastCheck): FastCheck {
  return (v) => isObject(v) && Object.keys(v).every((k) => key(k) && value(v[k]));
}

function tupleCheck(def: Def): FastCheck {
  if (def.rest) throw new Error('fastCheck: no plain check for a zod tuple with a rest');
  const items = def.items!.map(compile);
  return (v) => Array.isArray(v) && v.length === items.length && items.every((check, i) => check(v[i]));
}

function stringCheck(def: Def): FastCheck {
  const patterns = (def.checks ?? []).map(({ _zod: { def: c } }) => {
    if (c.check !== 'string_format' || c.format !== 'regex' || !c.pattern) throw new Error(`fastCheck: no plain check for a zod string ${c.check}`);
    return c.pattern;
  });
  // A string format (an ISO date) carries its own pattern.
  if (def.format !== undefined) patterns.push(def.pattern!);
  return (v) => typeof v === 'string' && patterns.every((p) => p.test(v));
}

function numberCheck(def: Def): FastCheck {
  if (def.format !== 'safeint') throw new Error(`fastCheck: no plain check for a zod number of format ${def.format}`);
  const bounds = (def.checks ?? []).map(({ _zod: { def: c } }): FastCheck => {
    const [limit, inclusive] = [c.value!, c.inclusive === true];
    if (c.check === 'greater_than') return (v) => (v as number) > limit || (inclusive && v === limit);
    if (c.check === 'less_than') return (v) => (v as number) < limit || (inclusive && v === limit);
    throw new Error(`fastCheck: no plain check for a zod number ${c.check}`);
  });
  return (v) => Number.isSafeInteger(v) && bounds.every((check) => check(v));
}
