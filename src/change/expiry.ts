import type { PublicState } from '../state/types.js';

/** Certificates are flagged this long before they expire: a quarter leaves time to rotate and redistribute. */
export const EXPIRY_WARNING_DAYS = 90;
const DAY_MS = 86_400_000;
export const STANDBY_CA = 'standby CA';

export interface Expiry {
  /** "CA", "standby CA" or the LAN whose certificate it is. */
  subject: string;
  /** Absent for an imported CA whose random serial does not fit a number. */
  serial?: number;
  notAfter: string;
  daysLeft: number;
  warning: boolean;
}

/** The CA's, the standby CA's and every gateway's certificate, soonest first. */
export function certificateExpiries(pub: PublicState, now: Date): Expiry[] {
  const certs = [
    ...(pub.ca ? [{ subject: 'CA', cert: pub.ca.certificate }] : []),
    ...(pub.standbyCa ? [{ subject: STANDBY_CA, cert: pub.standbyCa.certificate }] : []),
    ...Object.entries(pub.lans).flatMap(([lan, record]) => (record.certificate ? [{ subject: lan, cert: record.certificate }] : [])),
  ];
  return certs
    .map(({ subject, cert }) => {
      const daysLeft = Math.floor((Date.parse(cert.notAfter) - now.getTime()) / DAY_MS);
      return {
        subject,
        ...(cert.serial !== undefined ? { serial: cert.serial } : {}),
        notAfter: cert.notAfter,
        daysLeft,
        warning: daysLeft < EXPIRY_WARNING_DAYS,
      };
    })
    .sort((a, b) => a.daysLeft - b.daysLeft || (a.serial ?? 0) - (b.serial ?? 0));
}
