import type { Report } from '../model/problems.js';
import type { LansConfig } from '../model/schema.js';
import type { PublicState } from '../state/types.js';
import { certificateExpiries, STANDBY_CA } from './expiry.js';
import { expiryAdvice } from './format.js';

/**
 * Certificates about to end, as warnings located in lans.yaml (the input is
 * fine, the state is ageing): the CA at mesh.certificates, a gateway at its
 * LAN's name, so they print with every other problem.
 */
export function reportExpiries(config: LansConfig, pub: PublicState, now: Date, lansFile: string, report: Report): void {
  for (const e of certificateExpiries(pub, now).filter((x) => x.warning)) {
    const index = config.lans.findIndex((l) => l.name === e.subject);
    const path = e.subject === 'CA' || e.subject === STANDBY_CA ? ['mesh', 'certificates'] : index >= 0 ? ['lans', index, 'name'] : ['lans'];
    report(path, expiryAdvice(e, lansFile), 'warning');
  }
  // Not an expiry, but the same kind of news: the state asks for a step only the user can take.
  if (pub.retiringCa) {
    report(
      ['mesh', 'certificates'],
      `a CA rotation is in progress since ${pub.retiringCa.since.slice(0, 10)}: once every gateway runs its new bundle,` +
        ` run "p2pvpn rotate --ca --finish ${lansFile}" so that the old CA is no longer trusted`,
      'warning',
    );
  }
}
