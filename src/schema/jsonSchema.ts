import { z } from 'zod';
import { IPV4_PATTERN } from '../model/net.js';
import { HOSTNAME_PATTERN, LansSchema } from '../model/schema.js';

/** Where the schema lives in the repository and in the npm package. */
export const SCHEMA_PATH = 'schema/lans.schema.json';

type JsonObject = { [key: string]: unknown };

/**
 * The JSON Schema of lans.yaml for editors, generated from the zod schema
 * the validator uses, so the two cannot drift. It describes the *input*:
 * fields with defaults are optional. The cross-field rules (overlaps,
 * unique names) cannot be said in JSON Schema; `p2pvpn validate` checks them.
 */
export function lansJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(LansSchema, { io: 'input', target: 'draft-2020-12' }) as JsonObject;
  // zod cannot export a refine(); say the same thing as two patterns.
  const lan = at(schema, ['properties', 'lans', 'items']);
  for (const path of [
    ['properties', 'gateway'],
    ['properties', 'gateways', 'items'],
  ]) {
    at(lan, [...path, 'properties', 'endpoint'])['anyOf'] = [{ pattern: IPV4_PATTERN.source }, { pattern: HOSTNAME_PATTERN.source }];
  }
  // A LAN has one of the two (the superRefine in LanSchema).
  lan['oneOf'] = [
    { properties: { gateway: {} }, required: ['gateway'] },
    { properties: { gateways: {}, vip: {} }, required: ['gateways', 'vip'] },
  ];
  return { $schema: schema['$schema'], title: 'p2pvpn lans.yaml', ...schema };
}

/** The file text, as checked in and shipped. */
export function lansJsonSchemaText(): string {
  return `${JSON.stringify(lansJsonSchema(), null, 2)}\n`;
}

function at(schema: JsonObject, path: readonly string[]): JsonObject {
  let node = schema;
  for (const key of path) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) throw new Error(`JSON Schema has no ${path.join('.')}: the zod schema changed shape`);
    node = next as JsonObject;
  }
  return node;
}
