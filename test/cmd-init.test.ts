import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { schemaReference } from '../src/init/schemaRef.js';
import { lansJsonSchema } from '../src/schema/jsonSchema.js';
import { FIXTURES, ROOT, runCli, withTempDir } from './support/cli.js';

/** Every property name the JSON Schema knows, at any depth. */
function fieldNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (typeof schema !== 'object' || schema === null) return into;
  const props = (schema as { properties?: Record<string, unknown> }).properties;
  for (const [key, sub] of Object.entries(props ?? {})) {
    into.add(key);
    fieldNames(sub, into);
  }
  for (const value of Object.values(schema)) if (typeof value === 'object') fieldNames(value, into);
  return into;
}

describe('p2pvpn init', () => {
  it('writes lans.yaml by default, which validates with no warning', () =>
    withTempDir((dir) => {
      const r = runCli(['init'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^wrote lans\.yaml: a two-LAN example/);
      const check = runCli(['validate', 'lans.yaml'], dir);
      assert.equal(check.code, 0, check.stderr);
      assert.equal(check.stderr, '');
      assert.match(check.stdout, /valid, 2 LANs and 1 link over wireguard/);
    }));

  it('starts with a yaml-language-server modeline and shows every field of the schema with a comment', () =>
    withTempDir((dir) => {
      assert.equal(runCli(['init', 'mesh.yaml'], dir).code, 0);
      const text = readFileSync(join(dir, 'mesh.yaml'), 'utf8');
      assert.match(text.split('\n')[0]!, /^# yaml-language-server: \$schema=\S+lans\.schema\.json$/);
      for (const field of fieldNames(lansJsonSchema())) {
        // A field shown commented out counts (the LAN with several gateways needs routing: bgp).
        const line = text.split('\n').findIndex((l) => new RegExp(`^\\s*(#\\s*)?(- )?${field}:`).test(l));
        assert.ok(line > 0, `field "${field}" is not in the example`);
        const here = text.split('\n')[line]!;
        const above = text.split('\n')[line - 1]!;
        assert.ok(here.includes('#') || /^\s*#/.test(above) || field === 'lans' || field === 'mesh', `field "${field}" has no comment: ${here}`);
      }
    }));

  it('refuses to overwrite an existing file and leaves it untouched', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), 'mine\n');
      const r = runCli(['init'], dir);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, 'p2pvpn: lans.yaml already exists; nothing was written (remove it, or give another name: p2pvpn init other.yaml)\n');
      assert.equal(readFileSync(join(dir, 'lans.yaml'), 'utf8'), 'mine\n');
    }));

  it('says so when the folder does not exist', () =>
    withTempDir((dir) => {
      const r = runCli(['init', 'nowhere/lans.yaml'], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^p2pvpn: nowhere\/lans\.yaml: the folder nowhere does not exist; nothing was written\n$/);
      assert.equal(existsSync(join(dir, 'nowhere')), false);
    }));

  it('is silent with --quiet', () =>
    withTempDir((dir) => {
      const r = runCli(['--quiet', 'init'], dir);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    }));

  it('points editors at the published schema outside a project (a global install)', () =>
    withTempDir((dir) => {
      runCli(['init'], dir);
      assert.match(
        readFileSync(join(dir, 'lans.yaml'), 'utf8'),
        /^# yaml-language-server: \$schema=https:\/\/unpkg\.com\/p2pvpn@\d+\.\d+\.\d+[^/]*\/schema\/lans\.schema\.json\n/,
      );
    }));

  it('points at the schema by a relative path inside this repository', () =>
    withTempDir((dir) => {
      const r = runCli(['init', join(FIXTURES, '..', 'dist', 'init-test.yaml')], dir);
      try {
        assert.equal(r.code, 0, r.stderr);
        assert.match(readFileSync(join(ROOT, 'dist', 'init-test.yaml'), 'utf8'), /^# yaml-language-server: \$schema=\.\.\/schema\/lans\.schema\.json\n/);
      } finally {
        rmSync(join(ROOT, 'dist', 'init-test.yaml'), { force: true });
      }
    }));
});

describe('schemaReference', () => {
  const cases: [string, { lansDir: string; root: string | undefined; schema: string }, string][] = [
    [
      'a project that installed p2pvpn',
      { lansDir: '/p', root: '/p', schema: '/p/node_modules/p2pvpn/schema/lans.schema.json' },
      './node_modules/p2pvpn/schema/lans.schema.json',
    ],
    [
      'a sub-folder of that project',
      { lansDir: '/p/net', root: '/p', schema: '/p/node_modules/p2pvpn/schema/lans.schema.json' },
      '../node_modules/p2pvpn/schema/lans.schema.json',
    ],
    [
      'a global install',
      { lansDir: '/home/u/net', root: undefined, schema: '/usr/lib/node_modules/p2pvpn/schema/lans.schema.json' },
      'https://unpkg.com/p2pvpn@1.2.3/schema/lans.schema.json',
    ],
    [
      'another project than the one holding p2pvpn',
      { lansDir: '/q', root: '/q', schema: '/p/node_modules/p2pvpn/schema/lans.schema.json' },
      'https://unpkg.com/p2pvpn@1.2.3/schema/lans.schema.json',
    ],
  ];
  for (const [name, { lansDir, root, schema }, want] of cases) {
    it(name, () => assert.equal(schemaReference(lansDir, root, schema, '1.2.3'), want));
  }
});
