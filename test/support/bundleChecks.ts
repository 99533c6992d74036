import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTarGz } from './tar.js';

/** Files of every bundle in `out`, by LAN then by path inside the bundle. */
export function readBundles(out: string): Map<string, Map<string, Buffer>> {
  const bundles = new Map<string, Map<string, Buffer>>();
  for (const name of readdirSync(out).filter((n) => n.endsWith('.tar.gz'))) {
    const lan = name.slice(0, -'.tar.gz'.length);
    const files = new Map<string, Buffer>();
    for (const e of readTarGz(readFileSync(join(out, name)))) if (e.type === 'file') files.set(e.name.slice(lan.length + 1), e.content);
    bundles.set(lan, files);
  }
  return bundles;
}

/** The `# <name>` + `[Peer]` blocks of a wg config. */
function peerBlocks(conf: string): { peer: string; block: string }[] {
  return conf
    .split('\n# ')
    .filter((b) => b.includes('[Peer]'))
    .map((block) => ({ peer: block.split('\n')[0]!, block }));
}

function field(text: string, key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key} = (.+)$`, 'gm'))].map((m) => m[1]!);
}

/**
 * Every WireGuard bundle's own public key (derived with `wg pubkey`) is the
 * one every peer lists for it, and both ends of a link share one preshared
 * key. Failures name gateways, never keys.
 */
export function assertWireGuardMeshConsistent(
  bundles: Map<string, Map<string, Buffer>>,
  mesh: string,
  statePublicKeys: Record<string, string | undefined>,
): void {
  const confs = new Map([...bundles].map(([lan, files]) => [lan, files.get(`wireguard/wg-${mesh}.conf`)!.toString('utf8')]));
  const publicOf = new Map(
    [...confs].map(([lan, conf]) => [
      lan,
      execFileSync('wg', ['pubkey'], { input: field(conf, 'PrivateKey')[0]! })
        .toString()
        .trim(),
    ]),
  );
  for (const [lan, conf] of confs) {
    assert.ok(publicOf.get(lan) === statePublicKeys[lan], `${lan}: the private key in its bundle does not match the public key in mesh.json`);
    for (const { peer, block } of peerBlocks(conf)) {
      assert.ok(confs.has(peer), `${lan} lists ${peer}, which has no bundle`);
      assert.ok(field(block, 'PublicKey')[0] === publicOf.get(peer), `${lan}: the public key it holds for ${peer} is not ${peer}'s`);
      const back = peerBlocks(confs.get(peer)!).find((b) => b.peer === lan);
      assert.ok(
        back !== undefined && field(back.block, 'PresharedKey')[0] === field(block, 'PresharedKey')[0],
        `${lan} and ${peer} do not share a preshared key`,
      );
    }
    assert.equal(peerBlocks(conf).length, confs.size - 1, `${lan} has a peer for every other gateway`);
  }
}

/**
 * Every OpenVPN bundle's key belongs to its certificate (`openssl`), the
 * certificate verifies against the bundle's CA, and both ends of a link hold
 * the same tls-crypt key.
 */
export function assertOpenVpnMeshConsistent(bundles: Map<string, Map<string, Buffer>>): void {
  const work = mkdtempSync(join(tmpdir(), 'p2pvpn-check-'));
  try {
    for (const [lan, files] of bundles) {
      const put = (name: string, data: Buffer): string => {
        const path = join(work, name);
        writeFileSync(path, data, { mode: 0o600 });
        return path;
      };
      const ca = put('ca.crt', files.get('keys/ca.crt')!);
      const crt = put('gw.crt', files.get(`keys/${lan}.crt`)!);
      const key = put('gw.key', files.get(`keys/${lan}.key`)!);
      const fromCert = execFileSync('openssl', ['x509', '-noout', '-pubkey', '-in', crt]).toString();
      const fromKey = execFileSync('openssl', ['pkey', '-pubout', '-in', key]).toString();
      assert.ok(fromCert === fromKey, `${lan}: the key in its bundle does not belong to its certificate`);
      const verify = execFileSync('openssl', ['verify', '-CAfile', ca, crt]).toString();
      assert.match(verify, /: OK$/m, `${lan}: its certificate does not verify against its CA`);
      for (const [path, content] of files) {
        const m = /^keys\/tls-crypt\/(.+)\.key$/.exec(path);
        if (!m) continue;
        const back = bundles.get(m[1]!)?.get(`keys/tls-crypt/${lan}.key`);
        assert.ok(back?.equals(content), `${lan} and ${m[1]} do not share a tls-crypt key`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
