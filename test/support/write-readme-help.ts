import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { withCurrentHelp } from './readmeHelp.js';

// `npm run readme`: copies the current --help of every command into README.md's marked blocks; review the diff.
const path = join(ROOT, 'README.md');
writeFileSync(path, withCurrentHelp(readFileSync(path, 'utf8')));
console.log('updated the --help blocks of README.md');
