import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { copyAncestor } from './support/ancestor.js';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';
import { snapshot } from './support/snapshot.js';

/**
 * fixtures/invalid-import-<case>/: edits.json, changes made to a copy of the
 * genuine folder partial-4 (paths from its root; `../outside/` lies beside
 * it, for links that lead out), and expected.txt, the exact standard error of
 * `p2pvpn import p2p-vpn --mesh corp` on the result. Nothing may be written.
 * P2PVPN_UPDATE_GOLDENS=1 (npm run goldens:invalid) rewrites expected.txt.
 */
type Edit =
  | { op: 'write'; path: string; text: string }
  | { op: 'replace'; path: string; from: string; to: string }
  | { op: 'copy'; path: string; from: string }
  | { op: 'remove'; path: string }
  | { op: 'symlink'; path: string; target: string }
  | { op: 'move'; path: string; to: string };

const UPDATE = process.env['P2PVPN_UPDATE_GOLDENS'] === '1';
const cases = readdirSync(FIXTURES)
  .filter((d) => d.startsWith('invalid-import-'))
  .sort();

/** A path's last part may be `*`: every entry of that folder. */
function paths(root: string, path: string): string[] {
  if (!path.endsWith('/*')) return [join(root, path)];
  const dir = join(root, path.slice(0, -2));
  return readdirSync(dir).map((f) => join(dir, f));
}

function apply(root: string, edit: Edit): void {
  for (const path of paths(root, edit.path)) {
    mkdirSync(dirname(path), { recursive: true });
    if (edit.op === 'write') writeFileSync(path, edit.text);
    else if (edit.op === 'replace') writeFileSync(path, readFileSync(path, 'utf8').replaceAll(edit.from, edit.to));
    else if (edit.op === 'copy') writeFileSync(path, readFileSync(join(root, edit.from)));
    else if (edit.op === 'remove') rmSync(path, { recursive: true });
    else if (edit.op === 'move') {
      mkdirSync(dirname(join(root, edit.to)), { recursive: true });
      renameSync(path, join(root, edit.to));
    } else {
      rmSync(path, { force: true });
      symlinkSync(edit.target, path);
    }
  }
}

describe('P2P-VPN folders that import refuses, with exact messages, nothing written', () => {
  for (const name of cases) {
    it(name.slice('invalid-import-'.length), () =>
      withTempDir((dir) => {
        const root = copyAncestor('partial-4', join(dir, 'p2p-vpn'));
        for (const edit of JSON.parse(readFileSync(join(FIXTURES, name, 'edits.json'), 'utf8')) as Edit[]) apply(root, edit);
        const before = snapshot(root);
        const r = runCli(['import', 'p2p-vpn', '--mesh', 'corp'], dir);
        if (UPDATE) writeFileSync(join(FIXTURES, name, 'expected.txt'), r.stderr);
        assert.equal(r.stderr, readFileSync(join(FIXTURES, name, 'expected.txt'), 'utf8'));
        assert.equal(r.code, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /was not imported, nothing was written\n$/);
        assert.doesNotMatch(r.stderr, /PRIVATE KEY|^\s+at /m, 'no key material, no stack trace');
        assert.doesNotMatch(
          r.stderr,
          // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
          /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/,
          'what the folder holds reaches the terminal escaped',
        );
        assert.deepEqual(
          readdirSync(dir).filter((f) => f !== 'p2p-vpn' && f !== 'outside'),
          [],
          'nothing was written',
        );
        assert.deepEqual(snapshot(root), before, 'the folder is left as it was');
      }),
    );
  }
});
