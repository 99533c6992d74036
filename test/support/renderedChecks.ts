import { containsIp, formatBlock, ipToInt, parseBlock } from '../../src/model/net.js';
import type { LansConfig } from '../../src/model/schema.js';
import type { PackedBundle } from '../../src/pack/tarball.js';
import type { BundleFile } from '../../src/render/render.js';
import { expandedTemplate } from '../../src/render/templateSource.js';

/**
 * The project's consistency checks for rendered bundles, independent of how
 * they were produced: every line of a templated file is one its template can
 * produce with safe values (so no input added a line), paths are safe, and
 * names, addresses and ports agree with the input. Returns problems as text
 * that never includes key material.
 */

/** Characters a placed value may have: what names, addresses, descriptions, numbers and base64 keys use. */
const VALUE = '[A-Za-z0-9 .,()&+/_:@=-]*';
const PATH = /^(README|[a-z0-9][a-z0-9._/-]*)$/;

const patterns = new Map<string, RegExp[]>();

/** A template line as a regular expression: literal text, each placed value a VALUE, inline blocks optional. */
function linePattern(line: string): RegExp {
  let out = '';
  for (const part of line.split(/(\{\{[^}]*\}\})/)) {
    const tag = /^\{\{([#/]?)(\w*)[^}]*\}\}$/.exec(part);
    if (!tag) out += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (tag[1] === '#') out += '(?:';
    else if (tag[1] === '/') out += tag[2] === 'each' ? ')*' : ')?';
    else if (tag[2] === 'else') out += '|';
    else out += VALUE;
  }
  return new RegExp(`^${out}$`);
}

function templatePatterns(template: string): RegExp[] {
  let list = patterns.get(template);
  if (!list) {
    const standalone = /^\s*\{\{[#/][^}]*\}\}\s*$|^\s*\{\{else\}\}\s*$/;
    list = expandedTemplate(template)
      .split('\n')
      .filter((l) => !standalone.test(l))
      .map(linePattern);
    patterns.set(template, list);
  }
  return list;
}

function templateOf(backend: string, path: string): string | undefined {
  if (path === 'README') return 'common/README';
  if (path === 'up.sh' || path === 'down.sh') return `${backend}/${path}`;
  if (path.startsWith('wireguard/') && path.endsWith('.conf')) return 'wireguard/wg.conf';
  if (path.startsWith('openvpn/') && path.endsWith('.conf')) return 'openvpn/peer.conf';
  return undefined;
}

/** A line for a failure message, with anything that may be a key cut off. */
function shown(line: string): string {
  return /key|BEGIN|=\s*\S{40,}/i.test(line) ? `${line.slice(0, 12)}...` : JSON.stringify(line);
}

export function checkBundles(config: LansConfig, bundles: PackedBundle[]): string[] {
  const problems: string[] = checkValues(config, 'config');
  const names = config.lans.map((l) => l.name);
  if (
    bundles
      .map((b) => b.lan)
      .sort()
      .join() !== [...names].sort().join()
  )
    problems.push('the bundles are not one per LAN');
  for (const bundle of bundles) {
    const paths = new Set<string>();
    for (const file of bundle.files) {
      if (!PATH.test(file.path) || file.path.includes('..')) problems.push(`${bundle.lan}: unsafe path ${JSON.stringify(file.path)}`);
      if (paths.has(file.path)) problems.push(`${bundle.lan}: two files at ${file.path}`);
      paths.add(file.path);
      problems.push(...checkLines(config.mesh.backend, bundle.lan, file));
    }
    problems.push(...(config.mesh.backend === 'wireguard' ? checkWireGuard(config, bundle) : checkOpenVpn(config, bundle)));
  }
  return problems;
}

/** Every text value of accepted input is one a template may place: a bare-value line (README's description) cannot hide a newline. */
function checkValues(value: unknown, path: string): string[] {
  if (typeof value === 'string')
    return new RegExp(`^${VALUE}$`).test(value) ? [] : [`${path} was accepted with a character no template may place: ${JSON.stringify(value)}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => checkValues(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => checkValues(v, `${path}.${k}`));
  return [];
}

function checkLines(backend: string, lan: string, file: BundleFile): string[] {
  if (/[^\n\x20-\x7e]/.test(file.content)) return [`${lan}/${file.path}: holds a control or non-ASCII character`];
  const template = templateOf(backend, file.path);
  if (!template) return [];
  const allowed = templatePatterns(template);
  const lines = file.content.replace(/\n$/, '').split('\n');
  const bad = lines.findIndex((line) => !allowed.some((p) => p.test(line)));
  return bad < 0 ? [] : [`${lan}/${file.path}:${bad + 1}: line ${shown(lines[bad]!)} is not one its template produces`];
}

function lines(bundle: PackedBundle, path: string): string[] {
  return bundle.files.find((f) => f.path === path)?.content.split('\n') ?? [];
}

/** True when every address is a dotted quad inside the mesh's transit range. */
function inTransit(config: LansConfig, ...ips: string[]): boolean {
  const transit = parseBlock(config.mesh.transit);
  return ips.every((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip) && containsIp(transit, ipToInt(ip)));
}

function routesOf(config: LansConfig, name: string): string[] {
  return config.lans.find((l) => l.name === name)!.subnets.map((s) => formatBlock(parseBlock(s)));
}

function checkWireGuard(config: LansConfig, bundle: PackedBundle): string[] {
  const problems: string[] = [];
  const iface = `wg-${config.mesh.name}`;
  if (iface.length > 15) problems.push(`interface ${iface} is longer than 15 characters`);
  const conf = lines(bundle, `wireguard/${iface}.conf`);
  const address =
    conf
      .find((l) => l.startsWith('Address = '))
      ?.slice('Address = '.length)
      .replace(/\/32$/, '') ?? '';
  if (!inTransit(config, address)) problems.push(`${bundle.lan}: tunnel address ${address} is not in the transit range`);
  const peers = conf
    .filter((l) => /^# /.test(l))
    .slice(2)
    .map((l) => l.slice(2));
  const expected = config.lans.filter((l) => l.name !== bundle.lan).map((l) => l.name);
  if (peers.sort().join() !== [...expected].sort().join()) problems.push(`${bundle.lan}: peers ${peers.join(',')} are not the other LANs`);
  for (const [i, line] of conf.entries()) {
    if (!line.startsWith('AllowedIPs = ')) continue;
    const peer = [...conf.slice(0, i)]
      .reverse()
      .find((l) => l.startsWith('# '))!
      .slice(2);
    const allowed = line.slice('AllowedIPs = '.length).split(', ').slice(1);
    if (config.lans.some((l) => l.name === peer) && allowed.join() !== routesOf(config, peer).join())
      problems.push(`${bundle.lan}: AllowedIPs of ${peer} are not its subnets`);
  }
  return problems;
}

function checkOpenVpn(config: LansConfig, bundle: PackedBundle): string[] {
  const problems: string[] = [];
  const ports = new Set<string>();
  for (const lan of config.lans.filter((l) => l.name !== bundle.lan)) {
    const conf = lines(bundle, `openvpn/${lan.name}.conf`);
    if (conf.length === 0) {
      problems.push(`${bundle.lan}: no tunnel to ${lan.name}`);
      continue;
    }
    const dev = conf.find((l) => l.startsWith('dev '))?.slice(4) ?? '';
    if (dev !== `vpn-${lan.name}` || dev.length > 15) problems.push(`${bundle.lan}: device ${dev} for ${lan.name}`);
    const port = conf.find((l) => l.startsWith('lport '))!.slice(6);
    if (ports.has(port)) problems.push(`${bundle.lan}: two tunnels on port ${port}`);
    ports.add(port);
    const remote = conf.find((l) => l.startsWith('remote '));
    const wantRemote = lan.gateway!.endpoint === undefined ? undefined : `remote ${lan.gateway!.endpoint} ${port}`;
    if (remote !== wantRemote) problems.push(`${bundle.lan}: ${lan.name}.conf dials ${remote ?? 'nothing'}`);
    const ends =
      conf
        .find((l) => l.startsWith('ifconfig '))
        ?.split(' ')
        .slice(1) ?? [];
    if (ends.length !== 2 || !inTransit(config, ...ends))
      problems.push(`${bundle.lan}: ${lan.name}.conf tunnel addresses ${ends.join(' ')} are not two transit addresses`);
    const routes = conf.filter((l) => l.startsWith('route ')).length;
    if (routes !== lan.subnets.length) problems.push(`${bundle.lan}: ${lan.name}.conf has ${routes} routes for ${lan.subnets.length} subnets`);
    if (!conf.includes(`verify-x509-name ${lan.name} name`)) problems.push(`${bundle.lan}: ${lan.name}.conf does not verify its peer's name`);
  }
  return problems;
}
