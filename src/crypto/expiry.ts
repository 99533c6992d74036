import type { PublicState } from '../state/types.js';
import type { Report } from '../validate/rules/index.js';
import type { LansConfig } from '../validate/schema.js';

/** Warn this far ahead: enough time to re-key and redistribute bundles. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/** Certificates the mesh keeps using that end soon (or have ended): a warning, since the input itself is fine. */
export function checkCertificateExpiry(config: LansConfig, state: PublicState, now: Date, report: Report): void {
  if (config.mesh.backend !== 'openvpn') return;
  const ca = state.ca?.certificate;
  if (ca) {
    const text = expiryText(ca.notAfter, now);
    if (text) report(['mesh', 'certificates'], `the CA certificate ${text}; every tunnel stops then, so a new CA and every bundle must be issued before then`, 'warning');
  }
  config.lans.forEach((lan, i) => {
    const cert = state.lans[lan.name]?.certificate;
    const text = cert && expiryText(cert.notAfter, now);
    if (text) report(['lans', i, 'name'], `the certificate of ${lan.name} ${text}; its tunnels stop then, so re-key ${lan.name} and redistribute its bundle before then`, 'warning');
  });
}

/** "expires on 2027-01-05 (in 12 days)", "expired on ...", or undefined when it is far off. */
function expiryText(notAfter: string, now: Date): string | undefined {
  const end = new Date(notAfter);
  const days = Math.floor((end.getTime() - now.getTime()) / DAY_MS);
  const date = end.toISOString().slice(0, 10);
  if (end.getTime() <= now.getTime()) return `expired on ${date}`;
  if (days < EXPIRY_WARNING_DAYS) return `expires on ${date} (in ${days === 1 ? '1 day' : `${days} days`})`;
  return undefined;
}
