import { goldenCases, regenerate } from './goldens.js';

// npm run goldens: rewrite every fixtures/golden-*/expected/ from the current code.
for (const name of goldenCases()) {
  await regenerate(name);
  console.log(`regenerated fixtures/${name}/expected`);
}
