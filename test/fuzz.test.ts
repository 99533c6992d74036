import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { KeySource } from '../src/crypto/keys.js';
import { formatProblem, type Problem } from '../src/model/problems.js';
import type { PackedBundle } from '../src/pack/tarball.js';
import { buildMesh, renderAllBundles } from '../src/pipeline.js';
import { emptyState, type MeshState } from '../src/state/types.js';
import { reporter, validateLans } from '../src/validate/validate.js';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';
import { checkBundles } from './support/renderedChecks.js';
import { readTarGz } from './support/tar.js';

/**
 * Randomly mutated fixtures, from a fixed seed: each must either build bundles
 * that pass checkBundles, or be refused with positioned messages. Never an
 * exception, never a bundle with a line its template cannot produce.
 */
const SEED = 0x5eed2026;
const IN_PROCESS_RUNS = 300;
const CLI_RUNS = 4;

/** mulberry32: a tiny, well-mixed 32-bit PRNG, enough to make mutations reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

/** Characters that break file names, configs, shells or terminals, mixed with ones that are fine. */
const SAFE = ['a', 'z', '0', '9', '-'];
const NASTY = [
  '\n',
  '\r',
  '\t',
  '\0',
  '"',
  "'",
  '`',
  '#',
  ';',
  '$',
  '\\',
  '/',
  ' ',
  '.',
  ':',
  '=',
  '[',
  ']',
  '{',
  '}',
  '*',
  '\u00e9',
  '\u202e',
  'A',
  'z',
  '0',
  '-',
  '_',
];
const ENDPOINTS = [
  '203.0.113.9',
  '010.1.1.1',
  '1.2.3',
  '0x7f.1',
  '127.0.0.1',
  'vpn.example.com',
  'VPN.example.com',
  'vpn.123',
  'a-b.example',
  '10.1.0.9',
  '172.19.0.5',
  'x',
  '198.51.100.2',
  'host.example.com.',
];
const SUBNETS = [
  '10.1.0.0/16',
  '10.0.0.0/8',
  '10.1.2.0/24',
  '172.19.0.0/24',
  '192.168.0.0/15',
  '192.168.4.0/22',
  '10.1.0.1/16',
  '8.8.8.0/24',
  '10.9.0.0',
  '10.9.0.0/33',
  '172.31.0.0/16',
];

function mutateString(rng: Rng, value: string): string {
  const at = int(rng, 0, value.length);
  const choice = rng();
  if (choice < 0.3) return value.slice(0, at) + pick(rng, SAFE) + value.slice(at);
  if (choice < 0.7) return value.slice(0, at) + pick(rng, NASTY) + value.slice(at);
  if (choice < 0.85) return pick(rng, NASTY) + value;
  return value.slice(0, at);
}

type Doc = { mesh: Record<string, unknown>; lans: Record<string, unknown>[] };

/** One random change to the data: names, subnets, prefixes, overlaps, endpoints, deleted keys, injected text. */
function mutate(rng: Rng, doc: Doc): void {
  const lan = pick(rng, doc.lans) as { name?: string; subnets?: string[]; gateway?: Record<string, unknown>; description?: string };
  const gateway = (lan.gateway ?? {}) as Record<string, unknown>;
  const kind = int(rng, 0, 13);
  if (kind === 0 && typeof lan.name === 'string') lan.name = mutateString(rng, lan.name);
  else if (kind === 1) doc.mesh['name'] = mutateString(rng, String(doc.mesh['name']));
  else if (kind === 2 && lan.subnets?.length) lan.subnets[int(rng, 0, lan.subnets.length - 1)] = `${lan.subnets[0]!.split('/')[0]}/${int(rng, 0, 40)}`;
  else if (kind === 3 && lan.subnets) lan.subnets.push(pick(rng, SUBNETS));
  else if (kind === 4) {
    const other = pick(rng, doc.lans) as { subnets?: string[] };
    if (other.subnets?.[0] && lan.subnets) lan.subnets[0] = other.subnets[0];
  } else if (kind === 5) gateway['endpoint'] = rng() < 0.5 ? pick(rng, ENDPOINTS) : mutateString(rng, String(gateway['endpoint'] ?? 'vpn.example.com'));
  else if (kind === 6) {
    const target = pick(rng, [doc.mesh, lan as Record<string, unknown>, gateway]);
    const keys = Object.keys(target);
    if (keys.length) delete target[pick(rng, keys)];
  } else if (kind === 7) lan.description = mutateString(rng, mutateString(rng, lan.description ?? 'Head office'));
  else if (kind === 8) doc.mesh['certificates'] = { organisation: mutateString(rng, 'Acme, Inc.') };
  else if (kind === 9)
    gateway[pick(rng, ['port', 'listen', 'lanAddress'])] = pick(rng, [0, 1, 51820, 65536, -1, '10.1.0.1', '203.0.113.7', '127.0.0.1', 'x\ny', 1.5]);
  else if (kind === 11 || kind === 12) injectLine(rng, doc, lan as Record<string, unknown>, gateway);
  else if (kind === 10)
    doc.mesh[pick(rng, ['transit', 'underlayMtu'])] = pick(rng, ['10.0.0.0/8', '172.19.0.0/30', '100.64.0.0/10', 1280, 100, 9001, '172.19.0.0/16']);
  else if (rng() < 0.5 && doc.lans.length > 1) doc.lans.splice(int(rng, 0, doc.lans.length - 1), 1);
  else doc.lans.push(structuredClone(lan) as Record<string, unknown>);
}

/** A line break or quote inside an otherwise valid text field: the classic config injection. */
function injectLine(rng: Rng, doc: Doc, lan: Record<string, unknown>, gateway: Record<string, unknown>): void {
  // Mostly only the line break is wrong, so that nothing else in the value gives it away.
  const payload = pick(rng, ['\nPostUp x', '\nup x', '\rdown x', '\nPreUp = touch /tmp/p2pvpn-pwned', '" ; id #', "'$(id)'"]);
  const field = int(rng, 0, 3);
  if (field === 0) lan['description'] = `Office${payload}`;
  else if (field === 1) gateway['endpoint'] = `vpn.example.com${payload}`;
  else if (field === 2) doc.mesh['certificates'] = { organisation: `Acme${payload}` };
  else lan['name'] = `x${payload}`;
}

/** Sometimes the text itself is damaged: a character inserted, a line dropped or doubled. */
function mutateText(rng: Rng, text: string): string {
  const lines = text.split('\n');
  const i = int(rng, 0, lines.length - 1);
  const choice = rng();
  if (choice < 0.4) lines[i] = mutateString(rng, lines[i]!);
  else if (choice < 0.7) lines.splice(i, 1);
  else lines.splice(i, 0, lines[i]!);
  return lines.join('\n');
}

/** Fast, deterministic key material: RSA from a small pool made once, the rest from the seeded generator. */
function fakeKeys(rng: Rng, rsaPool: { privatePem: string; publicPem: string }[]): KeySource {
  let next = 0;
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(rng, 0, 255)));
  return {
    rsaKeyPair: async () => rsaPool[next++ % rsaPool.length]!,
    x25519KeyPair: () => ({ privateKey: bytes(32).toString('base64'), publicKey: bytes(32).toString('base64') }),
    randomBytes: bytes,
  };
}

const POSITIONED = /^lans\.yaml:\d+:\d+: \S/;
const HEADER = /^\d+ (errors?|warnings?):$/;

function assertPositioned(stderr: string, input: string): void {
  for (const line of stderr.replace(/\n$/, '').split('\n')) {
    assert.ok(POSITIONED.test(line) || HEADER.test(line), `unpositioned line ${JSON.stringify(line)} for input:\n${input}`);
  }
}

function bases(): { name: string; text: string }[] {
  const example = readFileSync(join(FIXTURES, 'example/lans.yaml'), 'utf8');
  return [
    { name: 'example-wireguard', text: example },
    { name: 'example-openvpn', text: example.replace('backend: wireguard', 'backend: openvpn') },
  ];
}

describe('fuzz: mutated lans.yaml is built consistently or refused with positions', () => {
  it(`${IN_PROCESS_RUNS} in-process runs from seed ${SEED.toString(16)}`, async () => {
    const rng = mulberry32(SEED);
    // 1024-bit keys: the certificate code does not depend on the size, and they are quick to make and sign with.
    const rsaPool = [0, 1]
      .map(() =>
        generateKeyPairSync('rsa', {
          modulusLength: 1024,
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        }),
      )
      .map((k) => ({ privatePem: k.privateKey, publicPem: k.publicKey }));
    const keys = fakeKeys(rng, rsaPool);
    const now = new Date('2026-01-01T00:00:00Z');
    const outcomes = { built: 0, refused: 0 };
    // A quarter of the runs start from the state of the unmutated base, so LANs are retired and added as in real use.
    const previous = new Map<string, MeshState>();
    const stateOf = async (text: string): Promise<MeshState> => {
      if (!previous.has(text)) {
        const { config, source } = validateLans('lans.yaml', text);
        previous.set(text, (await buildMesh(config!, emptyState(config!.mesh.name), keys, now, reporter(source!, [])))!.state);
      }
      return previous.get(text)!;
    };
    const all = bases();
    for (let run = 0; run < IN_PROCESS_RUNS; run++) {
      // One run in four is OpenVPN: its certificates cost far more than WireGuard's keys.
      const base = pick(rng, [...all, ...all.slice(0, 1), ...all.slice(0, 1)]);
      const doc = parse(base.text) as Doc;
      for (let m = int(rng, 1, 2); m > 0; m--) mutate(rng, doc);
      let text = stringify(doc);
      if (rng() < 0.15) text = mutateText(rng, text);
      const where = `run ${run} (${base.name}), input:\n${text}`;
      const { config, source, problems } = validateLans('lans.yaml', text);
      let bundles: PackedBundle[] | undefined;
      if (config && source) {
        const found: Problem[] = [...problems];
        const prev = rng() < 0.25 && config.mesh.name === 'acme' ? await stateOf(base.text) : emptyState(config.mesh.name);
        const build = await buildMesh(config, prev, keys, now, reporter(source, found));
        if (build) bundles = renderAllBundles(build);
        else problems.push(...found);
      }
      if (bundles && config) {
        outcomes.built++;
        assert.deepEqual(checkBundles(config, bundles), [], where);
      } else {
        outcomes.refused++;
        assert.ok(
          problems.some((p) => p.severity === 'error'),
          `refused without an error: ${where}`,
        );
        assertPositioned(problems.map(formatProblem).join('\n'), text);
      }
    }
    // Both outcomes must be common, or the test has stopped exercising one of them.
    if (process.env['FUZZ_DEBUG']) console.log(outcomes);
    assert.ok(outcomes.built > IN_PROCESS_RUNS / 10 && outcomes.refused > IN_PROCESS_RUNS / 3, JSON.stringify(outcomes));
  });

  it(`${CLI_RUNS} runs of the real binary`, async () => {
    const rng = mulberry32(SEED ^ 0xc11);
    const base = bases()[0]!;
    for (let run = 0; run < CLI_RUNS; run++) {
      const doc = parse(base.text) as Doc;
      mutate(rng, doc);
      const text = stringify(doc);
      await withTempDir((dir) => {
        writeFileSync(join(dir, 'lans.yaml'), text);
        const r = runCli(['generate', 'lans.yaml'], dir);
        assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /^\s+at |internal error/m, text);
        if (r.code === 1) return assertPositioned(r.stderr, text);
        const config = validateLans('lans.yaml', text).config!;
        const bundles = readdirSync(join(dir, 'out'))
          .filter((f) => f.endsWith('.tar.gz'))
          .map((f): PackedBundle => {
            const entries = readTarGz(readFileSync(join(dir, 'out', f))).filter((e) => e.type === 'file');
            const lan = f.replace(/\.tar\.gz$/, '');
            return { lan, files: entries.map((e) => ({ path: e.name.slice(lan.length + 1), mode: e.mode, content: e.content.toString('utf8') })) };
          });
        assert.deepEqual(checkBundles(config, bundles), [], text);
      });
    }
  });
});
