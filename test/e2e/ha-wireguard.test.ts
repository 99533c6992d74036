import { describeHaSuite } from './haSuite.js';

describeHaSuite('wireguard');
