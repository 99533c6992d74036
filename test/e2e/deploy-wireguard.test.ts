import { describeDeploySuite } from './deploySuite.js';

describeDeploySuite('wireguard');
