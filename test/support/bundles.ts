import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type KeySource, nodeKeySource } from '../../src/crypto/keys.js';
import { formatReport, type Problem } from '../../src/model/problems.js';
import { buildMesh, renderAllBundles } from '../../src/pipeline.js';
import type { RenderedBundle } from '../../src/render/render.js';
import { emptyState } from '../../src/state/types.js';
import { reporter, validateLans } from '../../src/validate/validate.js';

let rsa: { privatePem: string; publicPem: string } | undefined;

/** Real X25519 and random bytes, but one RSA key for every certificate: these tests look at the gateway files, not at keys. */
export const fastKeys: KeySource = {
  ...nodeKeySource,
  async rsaKeyPair() {
    rsa ??= (() => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      return { privatePem: privateKey, publicPem: publicKey };
    })();
    return rsa;
  },
};

/** Every bundle of a mesh, built in-process from lans.yaml text; throws on any problem. */
export async function buildBundles(yaml: string): Promise<RenderedBundle[]> {
  const problems: Problem[] = [];
  const { config, source, problems: found } = validateLans('lans.yaml', yaml);
  if (!config || !source) throw new Error(formatReport(found));
  const build = await buildMesh(config, emptyState(config.mesh.name), fastKeys, new Date('2026-01-01T00:00:00Z'), reporter(source, problems));
  if (!build) throw new Error(formatReport(problems));
  return renderAllBundles(build);
}

/** Writes a bundle as tar would unpack it, modes included; returns its folder. */
export function writeBundle(dir: string, bundle: RenderedBundle): string {
  const root = join(dir, bundle.lan);
  for (const file of bundle.files) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: file.mode });
    chmodSync(path, file.mode);
  }
  return root;
}

export function fileOf(bundle: RenderedBundle, path: string): string {
  const file = bundle.files.find((f) => f.path === path);
  if (!file) throw new Error(`${bundle.lan} has no ${path}`);
  return file.content;
}

/** The meshes the gateway tests share: DNS, IP and missing endpoints, an AWS VPC, both backends. */
export function gatewayMesh(backend: 'openvpn' | 'wireguard', extra = ''): string {
  return `mesh:
  name: gw-${backend === 'openvpn' ? 'ovpn' : 'wg'}
  backend: ${backend}
  underlayMtu: 1400
${extra}
lans:
  - name: hq
    subnets: [10.10.0.0/16]
    gateway: { endpoint: vpn.hq.example.com, lanAddress: 10.10.0.1 }
  - name: branch
    subnets: [192.168.10.0/24, 192.168.11.0/24]
    gateway: { endpoint: 198.51.100.20, lanAddress: 192.168.10.1 }
  - name: vpc-eu
    subnets: [10.20.0.0/20]
    gateway:
      endpoint: 203.0.113.30
      listen: 10.20.0.10
      lanAddress: 10.20.0.10
      aws:
        region: eu-west-1
        instance: i-0123456789abcdef0
        routeTables: [rtb-0123456789abcdef0, rtb-89abcdef]
        securityGroup: sg-0123456789abcdef0
  - name: home
    subnets: [192.168.50.0/24]
    gateway: { lanAddress: 192.168.50.1 }
`;
}
