import { describeDeploySuite } from './deploySuite.js';

describeDeploySuite('openvpn');
