import { describeHaSuite } from './haSuite.js';

describeHaSuite('openvpn');
