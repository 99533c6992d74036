import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { exampleLans } from '../src/init/example.js';
import { exampleLansText } from '../src/io/packageFiles.js';
import { lansJsonSchemaText, SCHEMA_PATH } from '../src/schema/jsonSchema.js';
import { FIXTURES, ROOT } from './support/cli.js';

const shipped = readFileSync(join(ROOT, SCHEMA_PATH), 'utf8');
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(shipped));

function errorsOf(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const validFixtures = readdirSync(FIXTURES).filter((d) => !d.startsWith('invalid-') && existsSync(join(FIXTURES, d, 'lans.yaml')));

describe('JSON Schema for lans.yaml', () => {
  it('is checked in exactly as `npm run schema` generates it', () => {
    assert.equal(shipped, lansJsonSchemaText(), 'schema/lans.schema.json is stale: run npm run schema and commit it');
  });

  it('finds at least the shipped example among the fixtures', () => {
    assert.ok(validFixtures.includes('example'), `fixtures: ${validFixtures.join(', ')}`);
  });

  for (const name of validFixtures) {
    it(`accepts fixtures/${name}/lans.yaml`, () => {
      assert.deepEqual(errorsOf(parse(readFileSync(join(FIXTURES, name, 'lans.yaml'), 'utf8'))), []);
    });
  }

  it('accepts the file p2pvpn init writes', () => {
    assert.deepEqual(errorsOf(parse(exampleLans(exampleLansText(), 'x'))), []);
  });

  const base = () => parse(exampleLans(exampleLansText(), 'x')) as { mesh: Record<string, unknown>; lans: { gateway: Record<string, unknown> }[] };
  const cases: [string, (doc: ReturnType<typeof base>) => void, string][] = [
    ['a misspelt key', (d) => void (d.mesh['bakend'] = 'x'), 'must NOT have additional properties'],
    ['an unknown backend', (d) => void (d.mesh['backend'] = 'ipsec'), 'must be equal to one of the allowed values'],
    ['a port above 65535', (d) => void (d.lans[0]!.gateway['port'] = 70000), 'must be <= 65535'],
    ['an endpoint that is neither a name nor an address', (d) => void (d.lans[0]!.gateway['endpoint'] = 'bad name!'), 'must match pattern'],
    ['a single LAN', (d) => void d.lans.pop(), 'must NOT have fewer than 2 items'],
  ];
  for (const [what, mutate, message] of cases) {
    it(`rejects ${what}`, () => {
      const doc = base();
      mutate(doc);
      assert.ok(
        errorsOf(doc).some((e) => e.includes(message)),
        errorsOf(doc).join('\n'),
      );
    });
  }
});
