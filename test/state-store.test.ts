import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeKeySource } from '../src/crypto/keys.js';
import { UserError } from '../src/errors.js';
import { writeFileAtomic } from '../src/io/files.js';
import { type LoadedState, loadState, saveState } from '../src/io/stateStore.js';
import type { LansConfig } from '../src/model/schema.js';
import { buildMesh } from '../src/pipeline.js';
import { keyMismatches } from '../src/state/consistency.js';
import { type Migration, upgrade } from '../src/state/migrate.js';
import { canonicalHeader, sameStateAs, serializePublic, serializeSecrets, serializeState } from '../src/state/serialize.js';
import { emptyState, type MeshState, STATE_VERSION } from '../src/state/types.js';
import { FIXTURES, withTempDir } from './support/cli.js';
import { meshConfig } from './support/meshes.js';

/** Two states are the same when both their files serialize to the same text. */
const sameState = (a: MeshState, b: MeshState): boolean =>
  serializePublic(a.public) === serializePublic(b.public) && serializeSecrets(a.secrets) === serializeSecrets(b.secrets);

function config(backend: 'wireguard' | 'openvpn', names: string[]): LansConfig {
  return meshConfig(backend, names);
}

async function build(backend: 'wireguard' | 'openvpn', names: string[], prev: MeshState): Promise<MeshState> {
  const result = await buildMesh(config(backend, names), prev, nodeKeySource, new Date('2026-01-01T00:00:00Z'), () => assert.fail('unexpected problem'));
  return result!.state;
}

class Crash extends Error {}

/** A writer that dies before its (k+1)-th write completes, leaving a temporary file as a killed process would. */
function crashingWriter(k: number): typeof writeFileAtomic {
  let count = 0;
  return (path, data, mode) => {
    if (count++ === k) {
      writeFileSync(`${path}.tmp-99999`, data.slice(0, 10));
      throw new Crash();
    }
    writeFileAtomic(path, data, mode);
  };
}

function save(dir: string, state: MeshState, loaded: LoadedState, crashAt?: number): boolean {
  try {
    saveState(dir, state, loaded, crashAt === undefined ? writeFileAtomic : crashingWriter(crashAt));
    return true;
  } catch (err) {
    if (err instanceof Crash) return false;
    throw err;
  }
}

const quiet = (): void => {};

/** The same numbers and keys, whatever generation each was saved as. */
function same(x: MeshState, y: MeshState): boolean {
  const strip = (s: MeshState): MeshState => ({ public: { ...s.public, generation: 0 }, secrets: { ...s.secrets, generation: 0 } });
  return sameState(strip(x), strip(y));
}

describe('state store', () => {
  for (const backend of ['wireguard', 'openvpn'] as const) {
    it(`${backend}: a save interrupted at any write, then a recovery save interrupted at any write, always loads a consistent state`, async () => {
      const a = await build(backend, ['a', 'b', 'c'], emptyState('m'));
      const b = await build(backend, ['a', 'c', 'd'], a);
      const c = await build(backend, ['a', 'c', 'd', 'e'], b);
      await withTempDir((root) => {
        const base = join(root, 'base');
        save(base, a, loadState(base, 'm'));
        save(base, a, loadState(base, 'm')); // a second generation, so backups exist
        for (let k1 = 0; k1 <= 4; k1++) {
          for (let k2 = 0; k2 <= 4; k2++) {
            const dir = join(root, `k${k1}-${k2}`);
            cpSync(base, dir, { recursive: true });
            const first = save(dir, b, loadState(dir, 'm'), k1);
            const mid = loadState(dir, 'm', quiet);
            assert.ok(same(mid.state, a) || same(mid.state, b), `after a crash at write ${k1} the state is the old or the new one`);
            if (first) assert.ok(same(mid.state, b), 'a completed save loads as the new state');
            const second = save(dir, c, mid, k2);
            const end = loadState(dir, 'm', quiet);
            assert.deepEqual(keyMismatches(end.state), []);
            assert.ok(
              [a, b, c].some((s) => same(end.state, s)),
              `after crashes at writes ${k1} and ${k2} the state is one that was saved`,
            );
            if (second) assert.ok(same(end.state, c));
            save(dir, c, end);
            assert.ok(same(loadState(dir, 'm').state, c), 'the next full run succeeds');
            assert.deepEqual(
              readdirSync(dir).filter((n) => n.includes('.tmp-')),
              [],
              'temporary files of killed runs are cleaned up',
            );
          }
        }
      });
    });
  }

  it('refuses a secrets file whose key does not match the certificate, naming the LAN and no key material', async () => {
    const state = await build('openvpn', ['a', 'b'], emptyState('m'));
    const swapped = structuredClone(state);
    swapped.secrets.lans['a']!.key = state.secrets.lans['b']!.key!;
    await withTempDir((dir) => {
      save(dir, swapped, loadState(dir, 'm'));
      assert.throws(
        () => loadState(dir, 'm'),
        (err: Error) => {
          assert.ok(err instanceof UserError);
          assert.match(err.message, /the key of a does not match its certificate/);
          assert.doesNotMatch(err.message, /PRIVATE KEY|[A-Za-z0-9+/]{40}/);
          return true;
        },
      );
    });
  });

  it('falls back to the backup pair, saying so, when the files in place do not fit together', async () => {
    const a = await build('wireguard', ['a', 'b'], emptyState('m'));
    await withTempDir((dir) => {
      save(dir, a, loadState(dir, 'm'));
      save(dir, a, loadState(dir, 'm'));
      const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as MeshState['secrets'];
      secrets.lans['a']!.wgPrivateKey = a.secrets.lans['b']!.wgPrivateKey!;
      writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets));
      const warnings: string[] = [];
      const loaded = loadState(dir, 'm', (l) => warnings.push(l));
      assert.ok(same(loaded.state, a));
      assert.equal(loaded.state.public.generation, 1);
      assert.match(warnings.join('\n'), /WireGuard private key of a does not match its public key.*uses mesh\.json\.bak with secrets\.json\.bak/s);
    });
  });

  it('refuses a newer format even when a backup could be read', async () => {
    const a = await build('wireguard', ['a', 'b'], emptyState('m'));
    await withTempDir((dir) => {
      save(dir, a, loadState(dir, 'm'));
      save(dir, a, loadState(dir, 'm'));
      const pub = JSON.parse(readFileSync(join(dir, 'mesh.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'mesh.json'), JSON.stringify({ ...pub, version: 99 }));
      assert.throws(() => loadState(dir, 'm'), new RegExp(`written by a newer p2pvpn \\(format version 99, this one reads up to ${STATE_VERSION}\\)`));
    });
  });

  it('refuses secrets.json missing beside a mesh.json that has been saved before', async () => {
    const a = await build('wireguard', ['a', 'b'], emptyState('m'));
    await withTempDir((dir) => {
      save(dir, a, loadState(dir, 'm'));
      save(dir, a, loadState(dir, 'm'));
      for (const f of ['secrets.json', 'secrets.json.bak']) writeFileSync(join(dir, f), '');
      assert.throws(() => loadState(dir, 'm'), /Restore mesh\.json from git and secrets\.json from your backup/);
    });
  });

  it('upgrades a version 1 state (as written by p2pvpn 0.1) and keeps every key', () => {
    withTempDir((dir) => {
      cpSync(join(FIXTURES, 'state-v1/state'), dir, { recursive: true });
      const v1 = JSON.parse(readFileSync(join(dir, 'mesh.json'), 'utf8')) as MeshState['public'];
      const loaded = loadState(dir, 'acme');
      assert.equal(loaded.upgradedFrom, 1);
      assert.equal(loaded.state.public.version, STATE_VERSION);
      assert.equal(loaded.state.public.generation, 0);
      assert.deepEqual(loaded.state.public.lans, v1.lans);
      assert.deepEqual(keyMismatches(loaded.state), []);
      save(dir, loaded.state, loaded);
      assert.equal(JSON.parse(readFileSync(join(dir, 'mesh.json.bak'), 'utf8')).version, 1, 'the version 1 files are kept as .bak');
      assert.equal(loadState(dir, 'acme').upgradedFrom, undefined);
      assert.ok(existsSync(join(dir, 'secrets.json.bak')));
    });
  });

  it('runs migrations in order from the version on disk', () => {
    const steps: Migration[] = [
      { from: 1, why: 'x', public: (v) => ({ ...v, version: 2, steps: ['1->2'] }), secrets: (v) => v },
      { from: 2, why: 'y', public: (v) => ({ ...v, version: 3, steps: [...(v['steps'] as string[]), '2->3'] }), secrets: (v) => v },
    ];
    assert.deepEqual(upgrade({ version: 1 }, 'public', steps), { version: 3, steps: ['1->2', '2->3'] });
    assert.deepEqual(upgrade({ version: 2, steps: [] }, 'public', steps), { version: 3, steps: ['2->3'] });
  });

  it('serializes once: sameStateAs answers as sameState, and a save from those texts writes the same bytes', async () => {
    const a = await build('wireguard', ['a', 'b'], emptyState('m'));
    const b = await build('wireguard', ['a', 'b', 'c'], a);
    await withTempDir((root) => {
      const [plain, once] = [join(root, 'plain'), join(root, 'once')];
      for (const dir of [plain, once]) save(dir, a, loadState(dir, 'm'));
      const loaded = loadState(once, 'm');
      // A file written by hand (or an older p2pvpn) need not be canonical: then the state itself is compared.
      const handWritten = { public: JSON.stringify(loaded.state.public), secrets: JSON.stringify(loaded.state.secrets) };
      for (const next of [loaded.state, b, { ...loaded.state, secrets: b.secrets }]) {
        for (const texts of [loaded.texts, handWritten, undefined]) {
          assert.equal(sameStateAs(serializeState(next), loaded.state, texts), sameState(loaded.state, next));
        }
      }
      saveState(plain, b, loadState(plain, 'm'));
      saveState(once, b, loaded, writeFileAtomic, serializeState(b));
      for (const name of ['mesh.json', 'secrets.json', 'mesh.json.bak', 'secrets.json.bak']) {
        assert.ok(readFileSync(join(plain, name)).equals(readFileSync(join(once, name))), `${name} is the same either way`);
      }
      assert.equal(loadState(once, 'm').state.public.generation, 2);
    });
  });

  it('still refuses a backup from a newer p2pvpn or of another mesh while the files in place are sound', async () => {
    const a = await build('wireguard', ['a', 'b'], emptyState('m'));
    await withTempDir((dir) => {
      save(dir, a, loadState(dir, 'm'));
      save(dir, a, loadState(dir, 'm'));
      const bak = join(dir, 'mesh.json.bak');
      const text = readFileSync(bak, 'utf8');
      writeFileSync(bak, text.replace(`"version": ${STATE_VERSION},`, '"version": 99,'));
      assert.throws(() => loadState(dir, 'm'), /mesh\.json\.bak: written by a newer p2pvpn/);
      writeFileSync(bak, text.replace('"mesh": "m",', '"mesh": "other",'));
      assert.throws(() => loadState(dir, 'm'), /holds the state of mesh "other", not "m"/);
      // The same key twice: JSON.parse takes the last, so the header alone cannot be trusted.
      writeFileSync(bak, text.replace('"mesh": "m",', '"mesh": "m",\n  "mesh": "other",'));
      assert.throws(() => loadState(dir, 'm'), /holds the state of mesh "other", not "m"/);
      writeFileSync(bak, text);
      assert.equal(loadState(dir, 'm').state.public.generation, 2);
    });
  });

  it('reads the header of canonical state texts only', async () => {
    const a = await build('wireguard', ['a', 'b'], emptyState('m'));
    const texts = serializeState({ public: { ...a.public, generation: 7 }, secrets: { ...a.secrets, generation: 7 } });
    assert.deepEqual(canonicalHeader(texts.public), { version: STATE_VERSION, kind: 'p2pvpn-state', generation: 7, mesh: 'm' });
    assert.deepEqual(canonicalHeader(texts.secrets), { version: STATE_VERSION, kind: 'p2pvpn-secrets', generation: 7 });
    assert.equal(canonicalHeader(JSON.stringify(a.public)), undefined);
    assert.equal(canonicalHeader(texts.secrets.replace('"lans":{', '"lans":{"generation":{},')), undefined);
    assert.equal(canonicalHeader(`${texts.public.slice(0, -2)},\n  "generation": 9\n}\n`), undefined);
  });
});
