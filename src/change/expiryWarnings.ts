import type { Report } from '../model/problems.js';
import type { LansConfig } from '../model/schema.js';
import type { PublicState } from '../state/types.js';
import { certificateExpiries } from './expiry.js';
import { expiryAdvice } from './format.js';

/**
 * Certificates about to end, as warnings located in lans.yaml (the input is
 * fine, the state is ageing): the CA at mesh.certificates, a gateway at its
 * LAN's name, so they print with every other problem.
 */
export function reportExpiries(config: LansConfig, pub: PublicState, now: Date, lansFile: string, report: Report): void {
  for (const e of certificateExpiries(pub, now).filter((x) => x.warning)) {
    const index = config.lans.findIndex((l) => l.name === e.subject);
    const path = e.subject === 'CA' ? ['mesh', 'certificates'] : index >= 0 ? ['lans', index, 'name'] : ['lans'];
    report(path, expiryAdvice(e, lansFile), 'warning');
  }
}
