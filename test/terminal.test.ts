import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { output } from '../src/io/output.js';
import { progressLine } from '../src/io/progress.js';
import { colourEnabled, paint } from '../src/io/style.js';
import { BIN, runCli, withTempDir } from './support/cli.js';
import { meshYaml } from './support/meshes.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (t: string) => chunks.push(t) } };
}

describe('colours', () => {
  const cases: [string, boolean, Record<string, string>, boolean][] = [
    ['a terminal', true, {}, true],
    ['a terminal with NO_COLOR', true, { NO_COLOR: '1' }, false],
    ['a terminal with an empty NO_COLOR (the convention says: ignore it)', true, { NO_COLOR: '' }, true],
    ['a dumb terminal', true, { TERM: 'dumb' }, false],
    ['a pipe', false, {}, false],
  ];
  for (const [name, isTTY, env, want] of cases) it(`${want ? 'on' : 'off'} for ${name}`, () => assert.equal(colourEnabled({ isTTY }, env), want));

  it('paints with SGR codes only when enabled', () => {
    assert.equal(paint(true).red('x'), '\x1b[31mx\x1b[39m');
    assert.equal(paint(false).red('x'), 'x');
  });
});

describe('progress line', () => {
  it('stays silent for a moment, then redraws one line, and erases it at the end', () => {
    const { chunks, stream } = sink(true);
    let now = 1000;
    const line = progressLine(stream, 'generating keys', true, () => now);
    line.update(1, 200);
    assert.deepEqual(chunks, [], 'a task that ends soon needs no indicator');
    now += 500;
    line.update(37, 200);
    line.update(38, 200);
    line.done();
    assert.deepEqual(chunks, ['\r\x1b[2Kgenerating keys 37/200', '\r\x1b[2Kgenerating keys 38/200', '\r\x1b[2K']);
  });

  it('writes nothing when standard error is not a terminal, or with --quiet', () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const { chunks, stream } = sink(isTTY);
      let now = 0;
      const line = progressLine(stream, 'generating keys', enabled, () => (now += 1000));
      line.update(1, 2);
      line.done();
      assert.deepEqual(chunks, []);
    }
  });
});

describe('--quiet and --verbose', () => {
  const problems = [
    { severity: 'warning' as const, file: 'f', line: 1, col: 1, path: 'a', message: 'w' },
    { severity: 'error' as const, file: 'f', line: 2, col: 1, path: 'b', message: 'e' },
  ];
  function run(opts: { quiet?: boolean; verbose?: boolean }) {
    const out = sink(false);
    const err = sink(false);
    const o = output({ stdout: out.stream, stderr: err.stream, env: {} }, opts);
    o.data('data');
    o.info('info');
    o.detail('detail');
    o.problems(problems);
    return { stdout: out.chunks.join(''), stderr: err.chunks.join('') };
  }

  it('normally prints data, summaries and every problem', () => {
    assert.deepEqual(run({}), { stdout: 'data\ninfo\n', stderr: '1 error:\nf:2:1: b: e\n1 warning:\nf:1:1: a: w\n' });
  });
  it('--quiet keeps the data asked for and the errors only', () => {
    assert.deepEqual(run({ quiet: true }), { stdout: 'data\n', stderr: '1 error:\nf:2:1: b: e\n' });
  });
  it('--verbose adds detail on standard error', () => {
    assert.deepEqual(run({ verbose: true }).stderr, 'detail\n1 error:\nf:2:1: b: e\n1 warning:\nf:1:1: a: w\n');
  });

  it('generate --quiet prints nothing on success; --verbose names the state folder', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b']));
      assert.deepEqual(runCli(['generate', '--quiet', 'lans.yaml'], dir), { code: 0, stdout: '', stderr: '' });
      const v = runCli(['-v', 'generate', 'lans.yaml'], dir);
      assert.equal(v.code, 0);
      assert.equal(v.stderr, 'state: lans.state\n');
      assert.match(v.stdout, /^unchanged out\/a\.tar\.gz/);
    }));

  it('plan --quiet hides warnings as every other command does, and keeps the plan it was asked for', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b']).replace('backend: wireguard', 'backend: wireguard\n  underlayMtu: 1300'));
      const loud = runCli(['plan', 'lans.yaml'], dir);
      assert.equal(loud.code, 3);
      assert.match(loud.stderr, /^1 warning:\nlans\.yaml:4:16: mesh\.underlayMtu: /);
      const quiet = runCli(['plan', '--quiet', 'lans.yaml'], dir);
      assert.deepEqual({ code: quiet.code, stderr: quiet.stderr, stdout: quiet.stdout }, { code: 3, stderr: '', stdout: loud.stdout });
    }));
});

describe('terminal manners of the real binary', () => {
  it('shows no progress and no colour when standard error is a pipe', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b', 'c'], { backend: 'openvpn' }));
      const r = runCli(['generate', 'lans.yaml'], dir, { NO_COLOR: '' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no escape sequence is the point.
      assert.doesNotMatch(r.stdout, /\x1b/);
    }));

  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  it(
    'colours error headings on a terminal, and not with NO_COLOR',
    { skip: script.status === 0 ? undefined : 'script(1) from util-linux is not installed' },
    () =>
      withTempDir((dir) => {
        writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'a']));
        const inPty = (env: Record<string, string | undefined>) =>
          spawnSync('script', ['-qec', `"${process.execPath}" "${BIN}" validate lans.yaml`, '/dev/null'], {
            cwd: dir,
            encoding: 'utf8',
            env: { ...process.env, NO_COLOR: undefined, TERM: 'xterm', ...env },
          }).stdout;
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences are the point.
        assert.match(inPty({}), /\x1b\[31m\x1b\[1m1 error:\x1b\[22m\x1b\[39m/);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences are the point.
        assert.doesNotMatch(inPty({ NO_COLOR: '1' }), /\x1b\[/);
      }),
  );
});

describe('errors and --debug', () => {
  it('prints a user error in one line, without a stack, even with --debug', () =>
    withTempDir((dir) => {
      const r = runCli(['--debug', 'validate', 'missing.yaml'], dir);
      assert.deepEqual([r.code, r.stderr], [1, 'p2pvpn: missing.yaml: no such file; create one with "p2pvpn init missing.yaml"\n']);
    }));

  it('hides the stack of an internal error unless --debug', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b']));
      // A folder where the state file should be: reading it fails in a way p2pvpn does not expect.
      mkdirSync(join(dir, 'lans.state/mesh.json'), { recursive: true });
      const plain = runCli(['show', 'lans.yaml'], dir);
      assert.equal(plain.code, 70);
      assert.match(plain.stderr, /^p2pvpn: internal error: .*EISDIR.*\nThis is a bug in p2pvpn; please report it \(run with --debug for details\)\.\n$/);
      const debug = runCli(['show', 'lans.yaml', '--debug'], dir);
      assert.equal(debug.code, 70);
      assert.match(debug.stderr, /\n\s+at .*stateStore\.js/);
    }));
});

describe('key generation progress from the core', () => {
  it('counts every missing key pair, and only those', async () => {
    const { validateLans } = await import('../src/validate/validate.js');
    const { allocate } = await import('../src/allocate/allocate.js');
    const { provisionMaterial } = await import('../src/crypto/material.js');
    const { emptyState } = await import('../src/state/types.js');
    const { config } = validateLans('lans.yaml', meshYaml(['a', 'b', 'c']));
    let n = 0;
    const keys = {
      rsaKeyPair: () => Promise.reject(new Error('not used')),
      x25519KeyPair: () => ({ privateKey: `k${++n}`, publicKey: `p${n}` }),
      randomBytes: (size: number) => Buffer.alloc(size),
    };
    const seen: [number, number][] = [];
    const { state: numbered, changes } = allocate(config!, emptyState('test').public);
    const first = await provisionMaterial(config!, numbered, emptyState('test').secrets, changes, keys, new Date(0), (done, total) => seen.push([done, total]));
    assert.deepEqual(seen, [
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    seen.length = 0;
    const { config: grown } = validateLans('lans.yaml', meshYaml(['a', 'b', 'c', 'd']));
    const next = allocate(grown!, first.public);
    await provisionMaterial(grown!, next.state, first.secrets, next.changes, keys, new Date(0), (done, total) => seen.push([done, total]));
    assert.deepEqual(seen, [[1, 1]]);
  });
});
