import { IPV4_PATTERN } from '../model/net.js';
import type { Site, Topology } from './topology.js';
import { MODE_PUBLIC, MODE_SCRIPT, type PlannedFile } from './types.js';

/** Where install.sh puts a mesh's bundle; the unit runs up.sh from there. */
export function installDir(mesh: string): string {
  return `/etc/p2pvpn/${mesh}`;
}

export function unitName(mesh: string): string {
  return `p2pvpn-${mesh}.service`;
}

const INSTALL_FILES = ['install.sh', 'uninstall.sh'];

/**
 * The unit and the scripts that install and remove it. `others` are every
 * other file of the bundle; install.sh copies each with its mode.
 */
export function planInstallFiles(topology: Topology, site: Site, others: PlannedFile[]): PlannedFile[] {
  const unit = unitName(topology.mesh);
  const unitFile: PlannedFile = {
    path: `systemd/${unit}`,
    mode: MODE_PUBLIC,
    template: 'common/unit.service',
    view: { mesh: topology.mesh, self: site.name, dir: installDir(topology.mesh) },
  };
  const scripts = INSTALL_FILES.map((path) => ({ path, mode: MODE_SCRIPT }));
  const all = [...others, unitFile, ...scripts].map((f) => ({ path: f.path, mode: f.mode.toString(8).padStart(4, '0') }));
  all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const view = {
    mesh: topology.mesh,
    self: site.name,
    dir: installDir(topology.mesh),
    home: installDir(topology.mesh).slice(1),
    unit,
    unitPath: unitFile.path,
    addresses: hostAddresses(site).join(' '),
    files: all,
    dirs: folders(all.map((f) => f.path)),
  };
  return [unitFile, ...scripts.map((s) => ({ ...s, template: `common/${s.path}`, view }))];
}

/** Addresses one of which the right host has: its LAN address, its listen address, an IP endpoint. */
function hostAddresses(site: Site): string[] {
  const endpoint = site.endpoint !== undefined && IPV4_PATTERN.test(site.endpoint) ? [site.endpoint] : [];
  return [...new Set([site.lanAddress, ...(site.listen ? [site.listen] : []), ...endpoint])];
}

/** Every folder that holds one of `paths`, parents included, sorted: an OpenVPN bundle has hundreds of files in a few folders. */
function folders(paths: string[]): string[] {
  const found = new Set<string>();
  for (const path of paths) {
    for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) found.add(path.slice(0, slash));
  }
  return [...found].sort();
}
