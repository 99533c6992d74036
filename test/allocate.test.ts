import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocate } from '../src/allocate/allocate.js';
import type { LansConfig } from '../src/model/schema.js';
import { emptyState } from '../src/state/types.js';
import { meshConfig } from './support/meshes.js';

function config(names: string[]): LansConfig {
  return meshConfig('wireguard', names);
}

/** The same mesh with LAN `ha` given two gateways, a and b (what a LAN goes to from `gateway:`). */
function withGateways(names: string[], ha: string): LansConfig {
  const base = config(names);
  base.mesh.routing = 'bgp';
  base.lans = base.lans.map((lan, i) =>
    lan.name !== ha
      ? lan
      : {
          name: lan.name,
          subnets: lan.subnets,
          vip: `10.${i}.0.1`,
          gateways: ['a', 'b'].map((g, j) => ({ name: g, endpoint: `vpn${i}${g}.example.com`, lanAddress: `10.${i}.0.${j + 2}` })),
        },
  );
  return base;
}

const numbers = (lans: Record<string, { number: number }>) => Object.fromEntries(Object.entries(lans).map(([n, r]) => [n, r.number]));

describe('allocate', () => {
  it('links every gateway to every gateway of every other LAN, never two of one LAN', () => {
    const { state } = allocate(withGateways(['a', 'hq', 'c'], 'hq'), emptyState('m').public);
    assert.deepEqual(numbers(state.lans), { a: 1, 'hq-a': 2, 'hq-b': 3, c: 4 });
    assert.deepEqual(state.lans['hq-a']!.lan, 'hq');
    assert.deepEqual(
      state.pairs.map((p) => p.lans.join(' ')),
      ['a hq-a', 'a hq-b', 'a c', 'hq-a c', 'hq-b c'],
    );
  });

  it('a LAN going from one gateway to several hands its number and links to its first gateway, and back', () => {
    const single = allocate(config(['a', 'hq', 'c']), emptyState('m').public).state;
    const { state, changes } = allocate(withGateways(['a', 'hq', 'c'], 'hq'), single);
    assert.deepEqual(changes.renamed, [{ from: 'hq', to: 'hq-a' }]);
    assert.deepEqual(numbers(state.lans), { a: 1, 'hq-a': 2, c: 3, 'hq-b': 4 });
    for (const pair of single.pairs) {
      const kept = state.pairs.find((p) => p.number === pair.number)!;
      assert.deepEqual(
        kept.lans,
        pair.lans.map((l) => (l === 'hq' ? 'hq-a' : l)),
        `link ${pair.number} keeps its number`,
      );
    }
    assert.deepEqual(changes.removedLans, [], 'nothing retired');
    const back = allocate(config(['a', 'hq', 'c']), state);
    assert.deepEqual(back.changes.renamed, [{ from: 'hq-a', to: 'hq' }]);
    assert.deepEqual(numbers(back.state.lans), { a: 1, hq: 2, c: 3 });
    assert.deepEqual(back.changes.removedLans, ['hq-b']);
    assert.deepEqual(back.state.pairs, single.pairs);
  });

  it('numbers LANs in file order and pairs by LAN number', () => {
    const { state } = allocate(config(['a', 'b', 'c']), emptyState('m').public);
    assert.deepEqual(Object.fromEntries(Object.entries(state.lans).map(([n, r]) => [n, r.number])), { a: 1, b: 2, c: 3 });
    assert.deepEqual(state.pairs, [
      { number: 1, lans: ['a', 'b'] },
      { number: 2, lans: ['a', 'c'] },
      { number: 3, lans: ['b', 'c'] },
    ]);
  });

  it('keeps every number when LANs are reordered or one is added', () => {
    const first = allocate(config(['a', 'b', 'c']), emptyState('m').public).state;
    const { state, changes } = allocate(config(['c', 'new', 'a', 'b']), first);
    assert.equal(state.lans['a']!.number, 1);
    assert.equal(state.lans['c']!.number, 3);
    assert.equal(state.lans['new']!.number, 4);
    for (const pair of first.pairs) assert.ok(state.pairs.some((p) => p.number === pair.number && p.lans.join() === pair.lans.join()));
    assert.deepEqual(changes.addedLans, ['new']);
    assert.deepEqual(
      changes.addedPairs.map((p) => [p.number, p.lans]),
      [
        [4, ['a', 'new']],
        [5, ['b', 'new']],
        [6, ['c', 'new']],
      ],
    );
  });

  it('retires the numbers of a removed LAN and never hands them out again', () => {
    const first = allocate(config(['a', 'b', 'c']), emptyState('m').public).state;
    const second = allocate(config(['a', 'c']), first);
    assert.deepEqual(second.changes.removedLans, ['b']);
    assert.deepEqual(second.state.pairs, [{ number: 2, lans: ['a', 'c'] }]);
    assert.equal(second.state.retired['b']!.number, 2);
    const third = allocate(config(['a', 'c', 'd']), second.state).state;
    assert.equal(third.lans['d']!.number, 4);
    assert.deepEqual(
      third.pairs.map((p) => p.number),
      [2, 4, 5],
    );
  });
});
