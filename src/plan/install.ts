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

/** The timer that runs `up.sh --repair` while the mesh is up, and the service it starts. */
export function repairUnitNames(mesh: string): { service: string; timer: string } {
  return { service: `p2pvpn-${mesh}-repair.service`, timer: `p2pvpn-${mesh}-repair.timer` };
}

/** How often the timer checks the tunnels: a broken one is back within this plus the restart (about 2 s), inside a minute. */
export const REPAIR_INTERVAL_SECONDS = 30;

const INSTALL_FILES = ['install.sh', 'uninstall.sh'];

/**
 * The unit and the scripts that install and remove it. `others` are every
 * other file of the bundle; install.sh copies each with its mode.
 */
export function planInstallFiles(topology: Topology, site: Site, others: PlannedFile[]): PlannedFile[] {
  const unit = unitName(topology.mesh);
  const repair = repairUnitNames(topology.mesh);
  const unitView = {
    mesh: topology.mesh,
    self: site.name,
    dir: installDir(topology.mesh),
    unit,
    repairService: repair.service,
    repairTimer: repair.timer,
    interval: REPAIR_INTERVAL_SECONDS,
  };
  const unitFiles: PlannedFile[] = [
    { path: `systemd/${unit}`, mode: MODE_PUBLIC, template: 'common/unit.service', view: unitView },
    { path: `systemd/${repair.service}`, mode: MODE_PUBLIC, template: 'common/repair.service', view: unitView },
    { path: `systemd/${repair.timer}`, mode: MODE_PUBLIC, template: 'common/repair.timer', view: unitView },
  ];
  const scripts = INSTALL_FILES.map((path) => ({ path, mode: MODE_SCRIPT }));
  const all = [...others, ...unitFiles, ...scripts].map((f) => ({ path: f.path, mode: f.mode.toString(8).padStart(4, '0') }));
  all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const view = {
    mesh: topology.mesh,
    self: site.name,
    dir: installDir(topology.mesh),
    home: installDir(topology.mesh).slice(1),
    unit,
    repairTimer: repair.timer,
    units: unitFiles.map((f) => f.path.slice('systemd/'.length)),
    addresses: hostAddresses(site).join(' '),
    files: all,
    dirs: folders(all.map((f) => f.path)),
  };
  return [...unitFiles, ...scripts.map((s) => ({ ...s, template: `common/${s.path}`, view }))];
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
