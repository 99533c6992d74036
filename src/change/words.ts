import type { Reason } from './reasons.js';

/** One reason as a line a network engineer reads at a glance. */
export function describeReason(reason: Reason): string {
  switch (reason.kind) {
    case 'peer-added':
      return `peer added: ${reason.peer}`;
    case 'peer-removed':
      return `peer removed: ${reason.peer}${reason.revoked ? ', certificate revoked' : ''}`;
    case 'route-added':
      return `route added: ${reason.route} (via ${reason.peer})`;
    case 'route-removed':
      return `route removed: ${reason.route} (was via ${reason.peer})`;
    case 'port-opened':
      return `port opened: ${reason.port}/udp`;
    case 'port-closed':
      return `port closed: ${reason.port}/udp`;
    case 'endpoint-changed':
      return `endpoint changed: ${reason.peer} (${reason.from ?? 'none'} -> ${reason.to ?? 'none'})`;
    case 'tunnel-changed':
      return `tunnel addresses changed: ${reason.peer} (${reason.from} -> ${reason.to})`;
    case 'key-rotated':
      return reason.serial === undefined ? 'key rotated' : `key rotated: new certificate, serial ${reason.serial}`;
    case 'certificate-reissued':
      return `certificate reissued for the same key: serial ${reason.serial}`;
    case 'link-key-rotated':
      return `link key rotated: ${reason.peer}`;
    case 'peer-key-changed':
      return `peer key changed: ${reason.peer}`;
    case 'certificate-revoked':
      return `certificate revoked: serial ${reason.serial}${reason.name ? ` (${reason.name})` : ''}`;
    case 'ca-replaced':
      return 'trusted CAs changed (keys/ca.crt)';
    case 'mtu-changed':
      return `MTU changed: ${reason.from ?? 'none'} -> ${reason.to ?? 'none'}`;
    case 'backend-changed':
      return `backend changed: ${reason.from} -> ${reason.to}`;
    case 'files-changed':
      return `files changed: ${reason.paths.join(', ')}`;
    case 'unreadable':
      return 'the tarball in the output folder is not a readable p2pvpn bundle: it is replaced whole';
  }
}
