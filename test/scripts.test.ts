import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';
import { readTarGz } from './support/tar.js';

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
const skip = !hasShellcheck && process.env['P2PVPN_E2E'] !== 'required' ? 'shellcheck is not installed' : false;

/** Both backends, the shipped example and the end-to-end meshes (dial-out-only gateway, two subnets). */
const CASES = ['example/lans.yaml', 'e2e/openvpn/lans.yaml', 'e2e/wireguard/lans.yaml'];

describe('generated up.sh and down.sh', { skip }, () => {
  for (const fixture of CASES) {
    it(`are POSIX sh and shellcheck-clean: ${fixture}`, () =>
      withTempDir((dir) => {
        const r = runCli(['generate', join(FIXTURES, fixture), '--out', join(dir, 'out'), '--state', join(dir, 'state')], dir);
        assert.equal(r.code, 0, r.stderr);
        const out = join(dir, 'out');
        const scripts: string[] = [];
        for (const tarball of readdirSync(out).filter((f) => f.endsWith('.tar.gz'))) {
          for (const entry of readTarGz(readFileSync(join(out, tarball)))) {
            if (!/\/(up|down)\.sh$/.test(entry.name)) continue;
            const file = join(dir, entry.name.replace('/', '-'));
            writeFileSync(file, entry.content);
            assert.match(entry.content.toString('utf8'), /^#!\/bin\/sh\n/, `${entry.name} runs under /bin/sh`);
            scripts.push(file);
          }
        }
        assert.ok(scripts.length >= 4, 'every bundle has up.sh and down.sh');
        const check = spawnSync('shellcheck', ['--shell=sh', '--severity=style', ...scripts], { encoding: 'utf8' });
        assert.equal(check.status, 0, check.stdout + check.stderr);
        for (const script of scripts) assert.equal(spawnSync('sh', ['-n', script]).status, 0, `${script} parses`);
      }));
  }
});
