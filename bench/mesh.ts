import type { Backend } from '../src/model/schema.js';

/**
 * A synthetic lans.yaml of `count` LANs. Subnets: 10.<64+i/256>.<i%256>.0/24
 * (every third LAN also gets a 172.16.x.0/24), transit 10.0.0.0/14, which
 * holds 65,536 OpenVPN /30 links (200 LANs need 19,900) and overlaps no LAN.
 * Endpoints mix DNS names and addresses; some gateways sit behind NAT and one
 * has no endpoint, so every branch of the templates is rendered.
 */
export function meshYaml(backend: Backend, count: number): string {
  const lines = ['mesh:', '  name: bench', `  backend: ${backend}`, '  transit: 10.0.0.0/14', '', 'lans:'];
  for (let i = 0; i < count; i++) lines.push(...lanYaml(i));
  return `${lines.join('\n')}\n`;
}

export function lanName(i: number): string {
  return `lan-${String(i + 1).padStart(4, '0')}`;
}

function lanYaml(i: number): string[] {
  const second = Math.floor(i / 256) + 64;
  const third = i % 256;
  const subnets = [`10.${second}.${third}.0/24`];
  if (i % 3 === 0) subnets.push(`172.16.${third}.0/24`);
  const lines = [`  - name: ${lanName(i)}`, `    description: Site ${i + 1}`, `    subnets: [${subnets.join(', ')}]`, '    gateway:'];
  if (i === 1) {
    // The one gateway that can only dial out.
  } else if (i % 2 === 0) {
    lines.push(`      endpoint: gw${i + 1}.example.net`);
  } else {
    lines.push(`      endpoint: 198.${18 + Math.floor(i / 250)}.${(i % 250) + 1}.1`);
  }
  if (i % 5 === 4) lines.push(`      listen: 10.${second}.${third}.2`);
  lines.push(`      lanAddress: 10.${second}.${third}.1`);
  return lines;
}
