import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lansJsonSchemaText, SCHEMA_PATH } from '../../src/schema/jsonSchema.js';
import { ROOT } from './cli.js';

// `npm run schema`: rewrites the shipped JSON Schema from the zod schema; review the diff.
writeFileSync(join(ROOT, SCHEMA_PATH), lansJsonSchemaText());
console.log(`wrote ${SCHEMA_PATH}`);
