import { type Backend, type LansConfig, LansSchema } from '../../src/model/schema.js';

/**
 * A validated mesh of LANs named `names` (10.<i>.0.0/16 each, a DNS endpoint
 * each), every other field at the schema's default: what tests that start
 * past validation build on.
 */
export function meshConfig(backend: Backend, names: readonly string[]): LansConfig {
  const lans = names.map((name, i) => ({ name, subnets: [`10.${i}.0.0/16`], gateway: { endpoint: `vpn${i}.example.com`, lanAddress: `10.${i}.0.1` } }));
  return LansSchema.parse({ mesh: { name: 'm', backend, certificates: { organisation: 'o' } }, lans });
}

/** A lans.yaml with one /16 per LAN (10.<i>.0.0/16), for tests that need meshes of any size. */
export function meshYaml(names: readonly string[], opts: { mesh?: string; backend?: 'wireguard' | 'openvpn'; transit?: string } = {}): string {
  const lines = ['mesh:', `  name: ${opts.mesh ?? 'test'}`, `  backend: ${opts.backend ?? 'wireguard'}`];
  if (opts.transit) lines.push(`  transit: ${opts.transit}`);
  lines.push('lans:');
  names.forEach((name, i) => {
    const n = i + 1;
    lines.push(`  - name: ${name}`, `    subnets: [10.${n}.0.0/16]`, '    gateway:', `      endpoint: gw${n}.example.com`, `      lanAddress: 10.${n}.0.1`);
  });
  return `${lines.join('\n')}\n`;
}

/** site-01 … site-NN. */
export function siteNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `site-${String(i + 1).padStart(2, '0')}`);
}
