import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';

/** Preloaded into the CLI's process: on exit, says whether node-forge was ever required. */
const REPORT_FORGE = `data:text/javascript,${encodeURIComponent(
  "import { createRequire } from 'node:module'; process.on('exit', () => process.stderr.write(" +
    "Object.keys(createRequire('/').cache).some((k) => k.includes('node-forge')) ? 'forge: loaded' : 'forge: not loaded'));",
)}`;

describe('modules a command does not need are not loaded', () => {
  // OpenVPN signs its CRL with forge's ASN.1 on every run; WireGuard has no use for forge at all.
  it('wireguard: a generate never loads node-forge', async () => {
    await withTempDir((dir) => {
      cpSync(join(FIXTURES, 'golden-wireguard', 'lans.yaml'), join(dir, 'lans.yaml'));
      cpSync(join(FIXTURES, 'golden-wireguard', 'state'), join(dir, 'lans.state'), { recursive: true });
      const run = runCli(['generate', 'lans.yaml'], dir, { NODE_OPTIONS: `--import=${REPORT_FORGE}` });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /forge: not loaded$/);
    });
  });
});
