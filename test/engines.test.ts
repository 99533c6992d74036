import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import semver from 'semver';
import { ROOT } from './support/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }>;
};

describe('engines.node in package.json', () => {
  const lowest = semver.minVersion(pkg.engines.node)!;

  it('starts at a Node version that runs the tests here or earlier', () => {
    assert.ok(semver.lte(lowest, process.versions.node), `${pkg.engines.node} starts above the Node running the tests (${process.versions.node})`);
  });

  it('starts no lower than any runtime dependency allows', () => {
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && !p.dev && p.engines && !Array.isArray(p.engines) && p.engines.node)
      .filter(([, p]) => !semver.satisfies(lowest, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path} wants node ${(p.engines as { node: string }).node}`);
    assert.deepEqual(refused, [], `p2pvpn claims node ${pkg.engines.node}`);
  });
});
