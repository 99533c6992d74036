import type { Report } from '../../model/problems.js';
import type { LansConfig } from '../../model/schema.js';
import { checkAws } from './aws.js';
import { checkCertificates } from './certificates.js';
import { checkEndpoints } from './endpoints.js';
import { checkGatewayAddresses } from './gatewayAddresses.js';
import { checkGateways } from './gateways.js';
import { checkMtu } from './mtu.js';
import { checkNames } from './names.js';
import { checkPorts } from './ports.js';
import { checkSsh } from './ssh.js';
import { checkSubnets } from './subnets.js';
import { checkTransit } from './transit.js';

export type Rule = (config: LansConfig, report: Report) => void;

/** Every rule runs on every input, so the user sees all problems at once. */
export const rules: readonly Rule[] = [
  checkNames,
  checkSubnets,
  checkTransit,
  checkGatewayAddresses,
  checkGateways,
  checkEndpoints,
  checkPorts,
  checkCertificates,
  checkMtu,
  checkAws,
  checkSsh,
];
