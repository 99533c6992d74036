import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildGolden, goldenCases, modesOf, readExpected } from './support/goldens.js';

const isSecret = (path: string): boolean => /\.key$|wireguard\/.*\.conf$/.test(path);
const digest = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

describe('golden bundles: fixture lans.yaml + state → expected files, byte for byte', () => {
  for (const name of goldenCases()) {
    it(name, async () => {
      const { bundles } = await buildGolden(name);
      const expected = readExpected(name);
      const actual = new Map(bundles.flatMap((b) => b.files.map((f) => [`${b.lan}/${f.path}`, f.content] as const)));
      assert.deepEqual([...actual.keys()].sort(), [...expected.files.keys()].sort(), 'the same files (run npm run goldens and review the diff)');
      for (const [path, content] of actual) {
        const want = expected.files.get(path)!;
        // Secret files are compared by digest so a failure never prints key material.
        if (isSecret(path)) assert.equal(digest(content), digest(want), `${path} differs`);
        else assert.equal(content, want.toString('utf8'), `${path} differs`);
      }
      assert.equal(modesOf(bundles), expected.modes);
    });
  }
});
