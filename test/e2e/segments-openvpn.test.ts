import { describeSegmentSuite } from './segmentSuite.js';

describeSegmentSuite('openvpn');
