import { describeSegmentSuite } from './segmentSuite.js';

describeSegmentSuite('bgp-wireguard');
