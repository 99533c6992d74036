import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Why a real OpenVPN handshake cannot run here, or undefined when it can (root, unshare, openvpn). */
export function handshakeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for a network namespace';
  for (const tool of ['unshare', 'openvpn']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool}`;
  return undefined;
}

// Both ends in a fresh network namespace, dialling each other over loopback: nothing touches the host's network.
const SCRIPT = `
set -u
ip link set lo up
sed -e "s/^remote .*/remote 127.0.0.1 21002/" -e "s/^lport .*/lport 21001/" "a/openvpn/$PEER_B.conf" > a/test.conf
sed -e "s/^remote .*/remote 127.0.0.1 21001/" -e "s/^lport .*/lport 21002/" "b/openvpn/$PEER_A.conf" > b/test.conf
openvpn --cd a --config test.conf --verb 3 $EXTRA_A > a.log 2>&1 &
pa=$!
openvpn --cd b --config test.conf --verb 3 > b.log 2>&1 &
pb=$!
i=0
while [ "$i" -lt 60 ]; do
  if grep -q "Initialization Sequence Completed" b.log && grep -q "Initialization Sequence Completed" a.log; then break; fi
  if grep -qE "VERIFY ([A-Z0-9]+ )?ERROR" a.log b.log; then break; fi
  sleep 0.2
  i=$((i + 1))
done
kill "$pa" "$pb"
wait
`;

/**
 * Runs the tunnel between two gateways' bundles (path → bytes, as unpacked)
 * until both ends are up or one refuses the other. Returns the two logs'
 * verification and start lines (OpenVPN logs no key material at verb 3).
 */
export function openvpnHandshake(
  dir: string,
  a: { lan: string; files: Map<string, Buffer>; extraArgs?: string },
  b: { lan: string; files: Map<string, Buffer> },
): { a: string; b: string; connected: boolean } {
  for (const [side, bundle] of [
    ['a', a],
    ['b', b],
  ] as const) {
    for (const [path, bytes] of bundle.files) {
      const file = join(dir, side, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, bytes, { mode: path.endsWith('.key') ? 0o600 : 0o644 });
    }
  }
  const env = { ...process.env, PEER_A: a.lan, PEER_B: b.lan, EXTRA_A: a.extraArgs ?? '' };
  spawnSync('unshare', ['-n', 'sh', '-c', SCRIPT], { cwd: dir, env, timeout: 30_000 });
  const read = (side: string): string =>
    spawnSync('grep', ['-E', 'VERIFY|CRL|Initialization Sequence Completed', `${side}.log`], { cwd: dir, encoding: 'utf8' }).stdout;
  const [logA, logB] = [read('a'), read('b')];
  return { a: logA, b: logB, connected: logA.includes('Initialization Sequence Completed') && logB.includes('Initialization Sequence Completed') };
}
