import { join } from 'node:path';
import type { MeshPlan } from './compare.js';
import { EXPIRY_WARNING_DAYS, type Expiry, STANDBY_CA } from './expiry.js';
import { describeReason } from './words.js';

/** One line per gateway, and under each changed one the reasons, indented. */
export function formatGateways(plan: MeshPlan, outDir: string): string[] {
  const lines: string[] = [];
  for (const g of plan.gateways) {
    const file = join(outDir, `${g.lan}.tar.gz`);
    if (g.verdict === 'removed' && g.replacedBy !== undefined) {
      lines.push(
        `removed   ${file}  (that gateway's bundle is now ${join(outDir, `${g.replacedBy}.tar.gz`)}:` +
          " run the old one's down.sh there, then the new one's up.sh)",
      );
      continue;
    }
    if (g.verdict === 'removed') {
      lines.push(`removed   ${file}  (LAN left the mesh: run its down.sh on that gateway)`);
      continue;
    }
    const which = g.of === undefined ? '' : `(gateway ${g.of.gateway} of LAN ${g.of.lan})  `;
    lines.push(`${g.verdict.padEnd(9)} ${file}  ${which}${g.peers.length} peers: ${g.peers.join(', ')}`);
    for (const reason of g.reasons) lines.push(`            ${describeReason(reason)}`);
  }
  return lines;
}

/** Every certificate's expiry, for plan. */
export function formatExpiries(expiries: Expiry[]): string[] {
  if (expiries.length === 0) return [];
  const width = Math.max(...expiries.map((e) => e.subject.length));
  return [
    `Certificates (flagged ${EXPIRY_WARNING_DAYS} days before they expire):`,
    ...expiries.map(
      (e) =>
        `  ${e.subject.padEnd(width)}  serial ${String(e.serial ?? '-').padEnd(4)}` +
        ` expires ${e.notAfter.slice(0, 10)} (${daysText(e.daysLeft)})${e.warning ? '  <- soon' : ''}`,
    ),
  ];
}

/** Warnings for certificates that expire within the warning window, with what to do. */
export function formatExpiryWarnings(expiries: Expiry[], lansFile: string): string[] {
  return expiries.filter((e) => e.warning).map((e) => `warning: ${expiryAdvice(e, lansFile)}`);
}

/** One certificate's expiry and what to do about it. */
export function expiryAdvice(e: Expiry, lansFile: string): string {
  const when = `${e.daysLeft < 0 ? 'expired' : 'expires'} ${e.notAfter.slice(0, 10)} (${daysText(e.daysLeft)})`;
  if (e.subject === 'CA')
    return `the CA certificate ${when}; every tunnel fails after that: run "p2pvpn rotate --ca ${lansFile}" and redistribute every bundle before then`;
  if (e.subject === STANDBY_CA)
    return (
      `the standby CA certificate ${when}; gateways that trust only it refuse the certificates a CA rotation issues after that:` +
      ` run "p2pvpn rotate --ca ${lansFile}" before then`
    );
  return `the certificate of ${e.subject} ${when}; run "p2pvpn rotate ${lansFile} ${e.subject}" and redistribute the bundles it changes`;
}

/** The last line of plan: what would happen, in one sentence. */
export function formatTotals(plan: MeshPlan): string {
  const count = (v: string): number => plan.gateways.filter((g) => g.verdict === v).length;
  const parts = [`${count('new')} new`, `${count('changed')} changed`, `${count('removed')} removed`, `${count('unchanged')} unchanged`];
  if (count('new') + count('changed') + count('removed') === 0) {
    return plan.stateChanged ? `No bundle would change, but the state would be updated (${parts.join(', ')}).` : 'Nothing would change.';
  }
  return `Bundles: ${parts.join(', ')}. Run "p2pvpn generate" to write them, then copy the new and changed ones to their gateways.`;
}

function daysText(days: number): string {
  if (days < 0) return `${-days} days ago`;
  return days === 1 ? 'in 1 day' : `in ${days} days`;
}
