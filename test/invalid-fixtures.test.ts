import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../src/cli/main.js';
import { FIXTURES, type RunResult, runCli, withTempDir } from './support/cli.js';
import { snapshot } from './support/snapshot.js';

/**
 * fixtures/invalid-<case>/: lans.yaml and expected.txt, the exact standard error
 * of `p2pvpn generate lans.yaml`. Optional: before.yaml, generated first so that
 * out/ and the state exist; state-edits.json, changes made to the state before
 * the refused run; padding, bytes of comment appended to make the file too large.
 * P2PVPN_UPDATE_GOLDENS=1 rewrites expected.txt instead of comparing.
 *
 * The cases in CLI_CASES (one of each kind) run the built binary in a child
 * process; the rest call the same `main` in-process with buffers, since each
 * spawn costs about 0.4 s of CPU on a machine shared by many test runs.
 */
const UPDATE = process.env['P2PVPN_UPDATE_GOLDENS'] === '1';
const CLI_CASES = new Set([
  'yaml-syntax',
  'yaml-too-large',
  'text-injection',
  'endpoints-not-addresses',
  'warnings-with-errors',
  'out-preserved',
  'state-contradiction',
  'state-newer-version',
]);
// invalid-import-*: P2P-VPN folders that `import` refuses, checked by test/import-refusals.test.ts.
const cases = readdirSync(FIXTURES)
  .filter((d) => d.startsWith('invalid-') && !d.startsWith('invalid-import-'))
  .sort();

type StateEdit = { file: string; text: string } | { file: string; path: (string | number)[]; value?: unknown; delete?: boolean };

function applyEdit(stateDir: string, edit: StateEdit): void {
  const file = join(stateDir, edit.file);
  if ('text' in edit) {
    writeFileSync(file, edit.text);
    return;
  }
  const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string | number, unknown>;
  let parent = data;
  for (const key of edit.path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = edit.path[edit.path.length - 1]!;
  if (edit.delete) delete parent[last];
  else parent[last] = edit.value;
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** One real `generate` per distinct before.yaml; each case gets its own copy of the resulting folder. */
const generated = new Map<string, string>();
after(() => {
  for (const dir of generated.values()) rmSync(dir, { recursive: true, force: true });
});

function generateBefore(beforeYaml: string, into: string): void {
  const text = readFileSync(beforeYaml, 'utf8');
  let dir = generated.get(text);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'p2pvpn-before-'));
    writeFileSync(join(dir, 'lans.yaml'), text);
    const first = runCli(['generate', 'lans.yaml'], dir);
    assert.equal(first.code, 0, `before.yaml must generate: ${first.stderr}`);
    generated.set(text, dir);
  }
  cpSync(dir, into, { recursive: true, preserveTimestamps: true });
}

/** `p2pvpn args` in `cwd`: in-process through main() with buffers, or the real binary. */
async function generate(cwd: string, spawn: boolean): Promise<RunResult> {
  if (spawn) return runCli(['generate', 'lans.yaml'], cwd);
  let stdout = '';
  let stderr = '';
  const home = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(['generate', 'lans.yaml'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
    });
    return { code, stdout, stderr };
  } finally {
    process.chdir(home);
  }
}

function padded(text: string, bytes: number): string {
  const line = `# ${'x'.repeat(77)}\n`;
  return text + line.repeat(Math.ceil(bytes / line.length));
}

describe('invalid lans.yaml and state are refused with exact messages, nothing written', () => {
  for (const name of cases) {
    it(name.slice('invalid-'.length), () =>
      withTempDir(async (dir) => {
        const fixture = join(FIXTURES, name);
        const has = (f: string): boolean => existsSync(join(fixture, f));
        if (has('before.yaml')) generateBefore(join(fixture, 'before.yaml'), dir);
        if (has('state-edits.json')) {
          for (const edit of JSON.parse(readFileSync(join(fixture, 'state-edits.json'), 'utf8')) as StateEdit[]) applyEdit(join(dir, 'lans.state'), edit);
        }
        let text = readFileSync(join(fixture, 'lans.yaml'), 'utf8');
        if (has('padding')) text = padded(text, Number(readFileSync(join(fixture, 'padding'), 'utf8')));
        writeFileSync(join(dir, 'lans.yaml'), text);
        const before = { out: snapshot(join(dir, 'out')), state: snapshot(join(dir, 'lans.state')) };

        const r = await generate(dir, CLI_CASES.has(name.slice('invalid-'.length)));
        if (UPDATE) writeFileSync(join(fixture, 'expected.txt'), r.stderr);
        const expected = readFileSync(join(fixture, 'expected.txt'), 'utf8');
        assert.equal(r.stderr, expected);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, '');
        assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
        assert.deepEqual({ out: snapshot(join(dir, 'out')), state: snapshot(join(dir, 'lans.state')) }, before, 'out/ and the state are untouched');
        if (!has('before.yaml')) assert.deepEqual(readdirSync(dir), ['lans.yaml'], 'nothing was written');
      }),
    );
  }
});
