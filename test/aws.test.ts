import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { RenderedBundle } from '../src/render/render.js';
import { buildBundles, gatewayMesh, writeBundle } from './support/bundles.js';
import { withTempDir } from './support/cli.js';
import { run } from './support/system.js';

/**
 * A stand-in for the aws CLI: logs every call, remembers what it created, and
 * answers a second identical create the way EC2 does. FAKE_AWS_DENY makes any
 * call containing that text fail with an unrelated error.
 */
const FAKE_AWS = `#!/bin/sh
echo "$*" >> "$FAKE_AWS_DIR/log"
if [ -n "\${FAKE_AWS_DENY:-}" ]; then
  case "$*" in *"$FAKE_AWS_DENY"*) echo "An error occurred (UnauthorizedOperation) when calling the X operation: no" >&2; exit 254 ;; esac
fi
case "$*" in
  *" create-route "*) code=RouteAlreadyExists ;;
  *" authorize-security-group-ingress "*) code=InvalidPermission.Duplicate ;;
  *) echo '{}'; exit 0 ;;
esac
touch "$FAKE_AWS_DIR/made"
if grep -qxF -- "$*" "$FAKE_AWS_DIR/made"; then
  echo "An error occurred ($code) when calling the operation: it already exists" >&2
  exit 254
fi
echo "$*" >> "$FAKE_AWS_DIR/made"
echo '{}'
`;

const TABLES = ['rtb-0123456789abcdef0', 'rtb-89abcdef'];
const REMOTE = ['10.10.0.0/16', '192.168.10.0/24', '192.168.11.0/24', '192.168.50.0/24'];
const INSTANCE = 'i-0123456789abcdef0';
const PREFIX = '--region eu-west-1 ec2';
const route = (verb: string, table: string, cidr: string) =>
  `${PREFIX} ${verb} --route-table-id ${table} --destination-cidr-block ${cidr} --instance-id ${INSTANCE}`;
const ingress = (rest: string) => `${PREFIX} authorize-security-group-ingress --group-id sg-0123456789abcdef0 ${rest}`;
// vpc-eu's WireGuard port: open to all for hq (a DNS name) and home (no endpoint), from its /32 for branch.
const INGRESS = [
  ingress('--protocol udp --port 51820 --cidr 0.0.0.0/0'),
  ingress('--protocol udp --port 51820 --cidr 198.51.100.20/32'),
  ...REMOTE.map((c) => ingress(`--protocol all --cidr ${c}`)),
];
const FIRST_RUN = [
  `${PREFIX} modify-instance-attribute --instance-id ${INSTANCE} --no-source-dest-check`,
  ...TABLES.flatMap((t) => REMOTE.map((c) => route('create-route', t, c))),
  ...INGRESS,
];

describe('aws.sh', () => {
  let vpc: RenderedBundle;
  before(async () => {
    vpc = (await buildBundles(gatewayMesh('wireguard'))).find((b) => b.lan === 'vpc-eu')!;
  });

  /** Runs aws.sh with the fake aws first on PATH; returns the result and the calls it made. */
  function runAws(dir: string, args: string[], env: Record<string, string> = {}) {
    const bin = join(dir, 'bin');
    if (!existsSync(bin)) {
      mkdirSync(bin);
      writeFileSync(join(bin, 'aws'), FAKE_AWS, { mode: 0o755 });
      writeBundle(dir, vpc);
    }
    const r = run(join(dir, 'vpc-eu', 'aws.sh'), args, { env: { PATH: `${bin}:${process.env['PATH']}`, FAKE_AWS_DIR: dir, ...env } });
    const log = join(dir, 'log');
    return { ...r, calls: existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n') : [] };
  }

  it('--dry-run prints every command, with the fallback for existing routes, and runs none', async () => {
    await withTempDir((dir) => {
      const r = runAws(dir, ['--dry-run']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.calls, []);
      const expected = FIRST_RUN.flatMap((c) =>
        c.includes(' create-route ') ? [`aws ${c}`, `#   (if it exists: aws ${c.replace('create-route', 'replace-route')})`] : [`aws ${c}`],
      );
      assert.deepEqual(r.stdout.trimEnd().split('\n'), expected);
    });
  });

  it('runs the exact commands, then again idempotently: routes replaced, rules already there', async () => {
    await withTempDir((dir) => {
      const first = runAws(dir, []);
      assert.equal(first.status, 0, first.stderr);
      assert.deepEqual(first.calls, FIRST_RUN);
      assert.match(first.stdout, /^route 10\.10\.0\.0\/16 in rtb-89abcdef: added$/m);

      const second = runAws(dir, []);
      assert.equal(second.status, 0, second.stderr);
      const again = [FIRST_RUN[0]!, ...TABLES.flatMap((t) => REMOTE.flatMap((c) => [route('create-route', t, c), route('replace-route', t, c)])), ...INGRESS];
      assert.deepEqual(second.calls.slice(FIRST_RUN.length), again);
      assert.match(second.stdout, /^route 192\.168\.50\.0\/24 in rtb-0123456789abcdef0: replaced$/m);
      assert.match(second.stdout, /^ingress udp 51820 from 198\.51\.100\.20\/32: already there$/m);
      assert.match(second.stdout, /^ingress all from 10\.10\.0\.0\/16: already there$/m);
    });
  });

  it('stops at the first error that is not "already exists", showing it', async () => {
    await withTempDir((dir) => {
      const r = runAws(dir, [], { FAKE_AWS_DENY: 'create-route' });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /\(UnauthorizedOperation\)/);
      assert.match(r.stderr, /aws ec2 create-route failed, stopping/);
      assert.deepEqual(r.calls, FIRST_RUN.slice(0, 2));
    });
  });

  it('refuses unknown arguments', async () => {
    await withTempDir((dir) => {
      const r = runAws(dir, ['--dryrun']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /usage: .*aws\.sh \[--dry-run\]/);
      assert.deepEqual(r.calls, []);
    });
  });
});
