import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMeshSuite } from './suite.js';

const CONF = 'wireguard/wg-e2ewg.conf';

// alpha uses the preshared key of its link to charlie for bravo too; delta
// has a stranger's public key where charlie's should be.
describeMeshSuite({
  backend: 'wireguard',
  breakLinks: async ({ bundles }) => {
    const alpha = join(bundles.get('alpha')!, CONF);
    setPeerField(alpha, 'bravo', 'PresharedKey', peerField(alpha, 'charlie', 'PresharedKey'));
    setPeerField(join(bundles.get('delta')!, CONF), 'charlie', 'PublicKey', strangerPublicKey());
    return [
      ['alpha', 'bravo'],
      ['charlie', 'delta'],
    ];
  },
});

/** The [Peer] section that follows the `# <name>` comment. Values are never printed: they are keys. */
function peerSection(text: string, peer: string): { start: number; end: number } {
  const start = text.indexOf(`\n# ${peer}\n[Peer]\n`);
  if (start < 0) throw new Error(`no [Peer] section for ${peer}`);
  const next = text.indexOf('\n[Peer]', start + peer.length + 10);
  return { start, end: next < 0 ? text.length : text.lastIndexOf('\n#', next) };
}

function peerField(file: string, peer: string, field: string): string {
  const text = readFileSync(file, 'utf8');
  const { start, end } = peerSection(text, peer);
  const m = new RegExp(`^${field} = (\\S+)$`, 'm').exec(text.slice(start, end));
  if (!m) throw new Error(`no ${field} for ${peer}`);
  return m[1]!;
}

function setPeerField(file: string, peer: string, field: string, value: string): void {
  const text = readFileSync(file, 'utf8');
  const { start, end } = peerSection(text, peer);
  const section = text.slice(start, end).replace(new RegExp(`^${field} = \\S+$`, 'm'), `${field} = ${value}`);
  writeFileSync(file, text.slice(0, start) + section + text.slice(end), { mode: 0o600 });
}

/** A valid X25519 public key that belongs to no gateway (the last 32 bytes of its DER SPKI). */
function strangerPublicKey(): string {
  const der = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32).toString('base64');
}
