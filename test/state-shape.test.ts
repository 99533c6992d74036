import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { nodeKeySource } from '../src/crypto/keys.js';
import type { LansConfig } from '../src/model/schema.js';
import { buildMesh } from '../src/pipeline.js';
import { fastCheck } from '../src/state/fastCheck.js';
import { isPublicStateShape, isSecretStateShape, PublicStateSchema, SecretStateSchema } from '../src/state/schema.js';
import { emptyState, type MeshState } from '../src/state/types.js';
import { meshConfig } from './support/meshes.js';

type Json = unknown;

function config(backend: 'wireguard' | 'openvpn', names: string[]): LansConfig {
  return meshConfig(backend, names);
}

/** A state with every kind of record: active, retired and revoked LANs, links, keys of the backend. */
async function stateWithHistory(backend: 'wireguard' | 'openvpn'): Promise<MeshState> {
  const build = async (names: string[], prev: MeshState): Promise<MeshState> =>
    (await buildMesh(config(backend, names), prev, nodeKeySource, new Date('2026-01-01T00:00:00Z'), () => assert.fail('unexpected problem')))!.state;
  return build(['a', 'c', 'd'], await build(['a', 'b', 'c'], emptyState('m')));
}

/** mulberry32: the same damage on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK: Json[] = [
  null,
  0,
  -1,
  1,
  1.5,
  2 ** 53,
  -0,
  '1',
  '',
  'a',
  'abc',
  'x'.repeat(12),
  'Bad',
  true,
  [],
  {},
  ['a', 'b'],
  { number: 1 },
  '2026-01-31T12:00:00.000Z',
  '2026-02-30T12:00:00Z',
];
const KEYS = ['extra', '1', '0', '01', 'Bad', '__proto__', 'constructor', 'a-', 'z'];

/** Every place in the value, as the container and the key that holds it. */
function places(value: Json, into: { parent: Record<string, Json> | Json[]; key: string | number }[] = []): typeof into {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      into.push({ parent: value, key: i });
      places(item, into);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      into.push({ parent: value as Record<string, Json>, key: k });
      places(v, into);
    }
  }
  return into;
}

/** One small piece of damage: a value replaced, edited by one character, removed, or a key added. */
function damage(value: Json, rand: () => number): void {
  const all = places(value);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const { parent, key } = pick(all);
  const current = (parent as Record<string | number, Json>)[key];
  const kind = rand();
  if (kind < 0.3) (parent as Record<string | number, Json>)[key] = pick(JUNK);
  else if (kind < 0.55 && typeof current === 'string' && current.length > 0) {
    const at = Math.floor(rand() * current.length);
    (parent as Record<string | number, Json>)[key] = current.slice(0, at) + pick(['-', '_', 'A', '!', '\n', '0', '=', '']) + current.slice(at + 1);
  } else if (kind < 0.65 && typeof current === 'number') (parent as Record<string | number, Json>)[key] = current + pick([-2, -1, 1, 0.5]);
  else if (kind < 0.8 && !Array.isArray(parent)) delete (parent as Record<string, Json>)[key as string];
  else if (Array.isArray(parent)) parent.push(structuredClone(pick(parent as Json[])));
  else Object.defineProperty(parent, pick(KEYS), { value: pick(JUNK), enumerable: true, writable: true, configurable: true });
}

describe('quick state shape check', () => {
  for (const backend of ['wireguard', 'openvpn'] as const) {
    it(`${backend}: agrees with the zod schemas on a real state and on thousands of damaged copies`, async () => {
      const state = await stateWithHistory(backend);
      const cases: [Json, (v: Json) => boolean, typeof PublicStateSchema | typeof SecretStateSchema][] = [
        [state.public, isPublicStateShape, PublicStateSchema],
        [state.secrets, isSecretStateShape, SecretStateSchema],
      ];
      if (state.public.ca)
        cases.push([
          { ...state.public, ca: { ...state.public.ca, certificate: { ...state.public.ca.certificate, serial: undefined } } },
          isPublicStateShape,
          PublicStateSchema,
        ]);
      const rand = random(backend === 'wireguard' ? 7 : 11);
      for (const [base, quick, schema] of cases) {
        const plain = JSON.parse(JSON.stringify(base)) as Json;
        assert.equal(quick(plain), true, 'the real state passes');
        const seen = { accepted: 0, refused: 0 };
        for (let i = 0; i < 1500; i++) {
          const copy = structuredClone(plain);
          for (let n = 1 + Math.floor(rand() * 2); n > 0; n--) damage(copy, rand);
          // As loadState sees it: what JSON.parse makes of the file.
          const value = JSON.parse(JSON.stringify(copy)) as Json;
          const zod = schema.safeParse(value).success;
          // zod skips a record key "__proto__"; the quick check refuses it and leaves the answer to zod, which is only slower.
          const same = quick(value) === zod || (zod && JSON.stringify(value).includes('"__proto__"'));
          // assert.ok, not deepEqual: a failure must not print the value, it holds keys.
          assert.ok(same, `damaged copy ${i} (seed ${backend}): zod says ${zod ? 'valid' : 'invalid'}, the quick check disagrees`);
          seen[zod ? 'accepted' : 'refused']++;
        }
        assert.ok(seen.accepted > 100 && seen.refused > 100, `both answers are exercised (${seen.accepted} accepted, ${seen.refused} refused)`);
      }
    });
  }
});

describe('fastCheck', () => {
  it('refuses to compile a kind of schema it has no plain check for, rather than pass it unchecked', () => {
    for (const schema of [z.boolean(), z.string().email(), z.number(), z.union([z.string(), z.int()]), z.tuple([z.string()], z.string())]) {
      assert.throws(() => fastCheck(schema), /^Error: fastCheck: no plain check for a zod /);
    }
  });
});
