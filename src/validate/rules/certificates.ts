import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';

/** Lifetimes that are legal but will hurt: a gateway certificate outliving its CA, or one that expires within weeks. */
export function checkCertificates(config: LansConfig, report: Report): void {
  if (config.mesh.backend !== 'openvpn') return;
  const { caDays, certDays } = config.mesh.certificates;
  if (certDays > caDays)
    report(
      ['mesh', 'certificates', 'certDays'],
      `${certDays} days is longer than the CA's ${caDays}, gateway certificates stop working when the CA expires; use at most ${caDays}`,
      'warning',
    );
  if (certDays < 30)
    report(['mesh', 'certificates', 'certDays'], `${certDays} days means redistributing every bundle within a month, use a year or more`, 'warning');
}
