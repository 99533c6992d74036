import type { Gateway, Lan, LansConfig } from './schema.js';

/** One gateway of the mesh, wherever lans.yaml declares it. */
export interface LanGateway {
  lan: Lan;
  lanIndex: number;
  gateway: Gateway;
  /** Its name within the LAN, for a LAN with `gateways:`; undefined for `gateway:`. */
  name: string | undefined;
  /** Names its bundle, certificate, state records and OpenVPN devices: the LAN's name, or <lan>-<gateway>. */
  id: string;
  /** Where it is in the document: ['lans', i, 'gateway'] or ['lans', i, 'gateways', j]. */
  path: (string | number)[];
}

export function gatewayId(lan: string, gateway?: string): string {
  return gateway === undefined ? lan : `${lan}-${gateway}`;
}

/** The LAN's gateways in file order: its one `gateway`, or each of `gateways`. */
export function lanGateways(lan: Lan, lanIndex: number): LanGateway[] {
  if (lan.gateways === undefined) {
    return lan.gateway === undefined ? [] : [{ lan, lanIndex, gateway: lan.gateway, name: undefined, id: lan.name, path: ['lans', lanIndex, 'gateway'] }];
  }
  return lan.gateways.map((g, j) => ({ lan, lanIndex, gateway: g, name: g.name, id: gatewayId(lan.name, g.name), path: ['lans', lanIndex, 'gateways', j] }));
}

/** Every gateway of the mesh, LAN by LAN in file order. */
export function allGateways(config: LansConfig): LanGateway[] {
  const all: LanGateway[] = [];
  config.lans.forEach((lan, i) => {
    all.push(...lanGateways(lan, i));
  });
  return all;
}

/** How many links a full mesh of these LANs has: every gateway to every gateway of every other LAN. */
export function linkCount(config: LansConfig): number {
  let gateways = 0;
  let sameLan = 0;
  for (const lan of config.lans) {
    const n = lan.gateways?.length ?? 1;
    gateways += n;
    sameLan += (n * (n - 1)) / 2;
  }
  return (gateways * (gateways - 1)) / 2 - sameLan;
}
