import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './support/cli.js';
import { cycles, edgesWithin, folderGraph, type ImportGraph, importGraph } from './support/importGraph.js';

const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));

describe('the cycle finder', () => {
  const cases: [string, Record<string, string[]>, string[][]][] = [
    ['a chain has none', { a: ['b'], b: ['c'], c: [] }, []],
    ['two files that import each other', { a: ['b'], b: ['a'] }, [['a', 'b']]],
    ['a loop of three beside a tail', { a: ['b'], b: ['c'], c: ['a', 'd'], d: [] }, [['a', 'b', 'c']]],
    [
      'two separate loops',
      { a: ['b'], b: ['a'], c: ['d'], d: ['c'] },
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    ['a diamond has none', { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, []],
  ];
  for (const [name, edges, want] of cases) it(name, () => assert.deepEqual(cycles(graphOf(edges)), want));

  it('folds files into their top-level folder, and imports within a folder drop out', () => {
    const files = graphOf({ 'src/a/x.ts': ['src/a/y.ts', 'src/b/z.ts'], 'src/a/y.ts': [], 'src/b/z.ts': ['src/c.ts'], 'src/c.ts': ['src/a/y.ts'] });
    const folders = folderGraph(files, 'src');
    assert.deepEqual(folders, graphOf({ a: ['b'], b: ['c.ts'], 'c.ts': ['a'] }));
    assert.deepEqual(cycles(folders), [['a', 'b', 'c.ts']]);
    assert.deepEqual(edgesWithin(folders, ['a', 'b', 'c.ts']), ['a -> b', 'b -> c.ts', 'c.ts -> a']);
  });
});

describe('src/ imports in one direction', () => {
  const files = importGraph(ROOT, 'src');

  it('reads the imports of every source file, type-only and dynamic ones included', () => {
    assert.ok(files.size > 50);
    assert.ok(files.get('src/validate/rules/aws.ts')!.has('src/model/problems.ts'), 'import type');
    assert.ok(files.get('src/cli/commands.ts')!.has('src/commands/generate.ts'), "import('…')");
  });

  it('no file imports itself back through others', () => {
    const found = cycles(files);
    assert.deepEqual(found, [], found.map((c) => edgesWithin(files, c).join('\n')).join('\n\n'));
  });

  it('no top-level folder of src/ imports itself back through others', () => {
    const folders = folderGraph(files, 'src');
    const found = cycles(folders);
    assert.deepEqual(found, [], found.map((c) => edgesWithin(folders, c).join(', ')).join('\n'));
  });
});

/** The rows of ARCHITECTURE.md's table, top first: each row's folders (`model/` as `model`, `pipeline.ts` as itself). */
function layers(): string[][] {
  const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  return text
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) => [...line.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, '')));
}

describe('ARCHITECTURE.md', () => {
  const folders = folderGraph(importGraph(ROOT, 'src'), 'src');
  const rows = layers();
  const row = new Map(rows.flatMap((names, i) => names.map((name) => [name, i] as const)));

  it('lists every top-level folder and file of src/ in its table, and nothing else', () => {
    assert.deepEqual([...row.keys()].sort(), [...folders.keys()].sort());
  });

  it('is the direction of imports: a folder imports only folders on its row or above', () => {
    const down = [...folders].flatMap(([from, to]) => [...to].filter((target) => row.get(target)! > row.get(from)!).map((target) => `${from} -> ${target}`));
    assert.deepEqual(down, []);
  });
});

describe('line width', () => {
  it('no line of TypeScript is over 160 columns (Biome folds code there, but not a long string)', () => {
    const long: string[] = [];
    for (const dir of ['src', 'test', 'bench']) {
      for (const file of importGraph(ROOT, dir).keys()) {
        readFileSync(join(ROOT, file), 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (line.length > 160) long.push(`${file}:${i + 1}: ${line.length} columns`);
          });
      }
    }
    assert.deepEqual(long, []);
  });
});
