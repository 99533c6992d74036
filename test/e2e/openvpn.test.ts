import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.js';
import { describeMeshSuite } from './suite.js';

// alpha's tls-crypt key for bravo is replaced by the one it shares with charlie;
// delta carries a certificate (and its key) signed by another mesh's CA.
describeMeshSuite({
  backend: 'openvpn',
  breakLinks: async ({ lab, bundles, other: otherMesh }) => {
    const alpha = bundles.get('alpha')!;
    copyFileSync(join(alpha, 'keys/tls-crypt/charlie.key'), join(alpha, 'keys/tls-crypt/bravo.key'));
    const other = join(lab.workDir, 'other-ca');
    mkdirSync(other, { mode: 0o700 });
    await exec(['tar', '-C', other, '-xzf', otherMesh.get('delta')!]);
    const delta = bundles.get('delta')!;
    for (const file of ['keys/delta.crt', 'keys/delta.key']) copyFileSync(join(other, 'delta', file), join(delta, file));
    return [
      ['alpha', 'bravo'],
      ['alpha', 'delta'],
      ['bravo', 'delta'],
      ['charlie', 'delta'],
    ];
  },
});
