import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Handlebars from 'handlebars';
import { meshYaml } from '../bench/mesh.js';
import { loadState } from '../src/io/stateStore.js';
import { formatReport, type Problem } from '../src/model/problems.js';
import type { LansConfig } from '../src/model/schema.js';
import { buildMesh } from '../src/pipeline.js';
import { bundlePlanner } from '../src/plan/bundles.js';
import type { BundlePlan } from '../src/plan/types.js';
import { PRECOMPILED_FILE, precompiledModule } from '../src/render/precompile.js';
import { renderBundle, templateHelpers } from '../src/render/render.js';
import { compileOptions, partialNames, TEMPLATES_DIR, templateNames } from '../src/render/templateSource.js';
import { emptyState, type MeshState } from '../src/state/types.js';
import { reporter, validateLans } from '../src/validate/validate.js';
import { fastKeys } from './support/bundles.js';
import { FIXTURES } from './support/cli.js';
import { goldenCases, noNewKeys } from './support/goldens.js';

/** Every template compiled in strict mode, from its .hbs, with the helpers a run has. */
function strictTemplates(): (plan: BundlePlan) => string[] {
  const hb = Handlebars.create();
  templateHelpers(hb);
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  for (const name of partialNames()) {
    const text = readFileSync(`${TEMPLATES_DIR}${name}.hbs`, 'utf8');
    hb.registerPartial(name, hb.compile(text, compileOptions(text)));
  }
  for (const name of templateNames()) {
    const text = readFileSync(`${TEMPLATES_DIR}${name}.hbs`, 'utf8');
    compiled.set(name, hb.compile(text, compileOptions(text)));
  }
  return (plan) => plan.files.map((f) => ('content' in f ? f.content : compiled.get(f.template)!(f.view)));
}

/** The plans of a mesh from lans.yaml text and a state (keys made as needed). */
async function plansOf(yaml: string, prev?: MeshState): Promise<BundlePlan[]> {
  const problems: Problem[] = [];
  const { config, source, problems: found } = validateLans('lans.yaml', yaml);
  if (!config || !source) throw new Error(formatReport(found));
  const build = await buildMesh(
    config,
    prev ?? emptyState(config.mesh.name),
    prev ? noNewKeys : fastKeys,
    new Date('2026-01-01T00:00:00Z'),
    reporter(source, problems),
  );
  if (!build) throw new Error(formatReport(problems));
  return planEvery(config, build.state);
}

/** Every bundle's plan, in LAN-number order. */
function planEvery(config: LansConfig, state: MeshState): BundlePlan[] {
  const { topology, planBundle } = bundlePlanner(config, state);
  return topology.sites.map(planBundle);
}

async function cases(): Promise<[string, BundlePlan[]][]> {
  const golden = goldenCases().map(async (name): Promise<[string, BundlePlan[]]> => {
    const yaml = readFileSync(join(FIXTURES, name, 'lans.yaml'), 'utf8');
    const mesh = /name: (\S+)/.exec(yaml)![1]!;
    return [name, await plansOf(yaml, loadState(join(FIXTURES, name, 'state'), mesh).state)];
  });
  // Six LANs of the benchmark's mesh: no endpoint, DNS and IP endpoints, a listen address, two subnets.
  const synthetic = (['wireguard', 'openvpn'] as const).map(
    async (backend): Promise<[string, BundlePlan[]]> => [`bench-${backend}`, await plansOf(meshYaml(backend, 6))],
  );
  return Promise.all([...golden, ...synthetic]);
}

describe('templates', () => {
  it('render every fixture the same compiled strict, where a missing value throws', async () => {
    const strict = strictTemplates();
    for (const [name, plans] of await cases()) {
      for (const plan of plans) {
        const expected = strict(plan);
        for (const [i, f] of renderBundle(plan).files.entries())
          assert.ok(f.content === expected[i], `${name} ${plan.lan}/${f.path} differs from its strict rendering`);
      }
    }
  });

  it('compiled strict, refuse a view that lacks a value they place', () => {
    const text = readFileSync(`${TEMPLATES_DIR}common/unit.service.hbs`, 'utf8');
    const unit = Handlebars.create().compile(text, compileOptions(text));
    assert.throws(() => unit({ mesh: 'm', dir: '/etc/p2pvpn/m' }), /"self" not defined/);
  });

  it('as shipped, are strict too: a value a view lacks throws in a run, in a partial too', async () => {
    const [, plans] = (await cases())[0]!;
    const file = (path: string) =>
      plans[0]!.files.find((f) => f.path === path) as { path: string; mode: number; template: string; view: Record<string, unknown> };
    const render = (path: string, view: object) =>
      renderBundle({ lan: 'a', files: [{ ...file(path), view }], facts: () => assert.fail('not needed') }).files[0]!.content;
    const without = (path: string, key: string) => Object.fromEntries(Object.entries(file(path).view).filter(([k]) => k !== key));
    assert.equal(render('routes.txt', file('routes.txt').view), renderBundle(plans[0]!).files.find((f) => f.path === 'routes.txt')!.content);
    assert.throws(() => render('routes.txt', without('routes.txt', 'lan')), /"lan" not defined/);
    // lanAddress is placed only by the partial up-guard.
    assert.throws(() => render('up.sh', without('up.sh', 'lanAddress')), /"lanAddress" not defined/);
    assert.match(render('routes.txt', { ...file('routes.txt').view, lan: undefined }), /^# generated by p2pvpn/, 'a key held as undefined renders as nothing');
  });

  it('#each refuses a value that is not a list', () => {
    const hb = Handlebars.create();
    templateHelpers(hb);
    const text = '{{#each peers}}{{name}}{{/each}}';
    assert.equal(hb.compile(text, compileOptions(text))({ peers: [{ name: 'a' }, { name: 'b' }] }), 'ab');
    assert.throws(() => hb.compile(text, compileOptions(text))({ peers: 'ab' }), /#each needs a list, not string/);
    assert.throws(() => hb.compile(text, compileOptions(text))({}), /#each needs a list, not undefined/);
  });

  it('are precompiled by the build from the current templates/ (npm run build)', () => {
    assert.ok(readFileSync(PRECOMPILED_FILE, 'utf8') === precompiledModule(), `${PRECOMPILED_FILE} is stale: run npm run build`);
  });

  it('never climb to a parent context with ../ (that makes Handlebars copy its context stack per item)', () => {
    for (const name of templateNames()) assert.doesNotMatch(readFileSync(`${TEMPLATES_DIR}${name}.hbs`, 'utf8'), /\{\{[^}]*\.\.\//, name);
  });
});
