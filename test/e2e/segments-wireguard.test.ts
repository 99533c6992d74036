import { describeSegmentSuite } from './segmentSuite.js';

describeSegmentSuite('wireguard');
