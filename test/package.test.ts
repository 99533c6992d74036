import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, withTempDir } from './support/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[]; scripts: Record<string, string> };
const npmMissing = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status !== 0;

/** The environment without what `npm test` exports for itself, so the inner npm behaves as a user's would. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));

/** Every file under `dir` but .git, as paths relative to it. */
function walk(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const path = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.name === '.git') return [];
    return e.isDirectory() ? walk(dir, path) : [path];
  });
}

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...env, NO_COLOR: '1' }, timeout: 120_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe('the npm package', { skip: npmMissing ? 'npm is not installed' : undefined, timeout: 180_000 }, () => {
  it('installs into an empty folder, and its p2pvpn binary runs init, generate and graph there', () =>
    withTempDir((dir) => {
      const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT).stdout) as { filename: string; files: { path: string }[] }[];
      const files = packed[0]!.files.map((f) => f.path);
      for (const want of [
        'dist/src/cli/bin.js',
        'schema/lans.schema.json',
        'templates/wireguard/wg.conf.hbs',
        'fixtures/example/lans.yaml',
        'README.md',
        'CHANGELOG.md',
      ]) {
        assert.ok(files.includes(want), `${want} is not in the package`);
      }
      assert.deepEqual(
        files.filter((f) => f.startsWith('dist/test') || f.includes('.state/') || f.startsWith('out/')),
        [],
      );

      const app = join(dir, 'app');
      mkdirSync(app);
      // Dependencies come from npm's cache when it has them (after npm ci it does), so this works offline.
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed[0]!.filename)], app);
      const bin = join(app, 'node_modules/.bin/p2pvpn');
      assert.equal(run(bin, ['--version'], app).stdout, `${pkg.version}\n`);

      run(bin, ['init'], app);
      const modeline = readFileSync(join(app, 'lans.yaml'), 'utf8').split('\n')[0]!;
      assert.equal(modeline, '# yaml-language-server: $schema=./node_modules/p2pvpn/schema/lans.schema.json');
      assert.ok(existsSync(join(app, 'node_modules/p2pvpn/schema/lans.schema.json')), 'the modeline points at a missing file');

      run(bin, ['generate', 'lans.yaml'], app);
      run(bin, ['graph', 'lans.yaml'], app);
      assert.deepEqual(readdirSync(join(app, 'out')).sort(), ['cloud.tar.gz', 'example.dot', 'example.mmd', 'example.svg', 'inventory.yml', 'office.tar.gz']);
      assert.match(readFileSync(join(app, 'out/example.svg'), 'utf8'), /<svg /);
    }));

  it("the README's first command, npm run example, writes only into out/ and ignored paths, and nothing into what the package ships", () =>
    withTempDir((dir) => {
      // The script after its build, run as it is in a copy of what it reads: the repository's own files stay untouched.
      const m = /^npm run build && node dist\/src\/cli\/bin\.js (.+)$/.exec(pkg.scripts['example']!);
      assert.ok(m, `npm run example builds, then runs the CLI: ${pkg.scripts['example']}`);
      mkdirSync(join(dir, 'fixtures/example'), { recursive: true });
      cpSync(join(ROOT, 'fixtures/example/lans.yaml'), join(dir, 'fixtures/example/lans.yaml'));
      cpSync(join(ROOT, '.gitignore'), join(dir, '.gitignore'));
      run('git', ['init', '-q'], dir);
      const before = new Set(walk(dir));
      run(process.execPath, [join(ROOT, 'dist/src/cli/bin.js'), ...m[1]!.split(' ')], dir);
      const written = walk(dir).filter((f) => !before.has(f));
      assert.ok(
        written.some((f) => f.startsWith('out/') && f.endsWith('.tar.gz')),
        'it writes the bundles',
      );
      const unignored = written.filter((f) => !f.startsWith('out/') && spawnSync('git', ['check-ignore', '-q', f], { cwd: dir }).status !== 0);
      assert.deepEqual(unignored, [], 'git status shows nothing it wrote outside out/');
      const shipped = written.filter((f) => pkg.files.some((entry) => f === entry || f.startsWith(`${entry}/`)));
      assert.deepEqual(shipped, [], 'npm pack would ship nothing it wrote');
    }));
});
