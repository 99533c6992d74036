import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocate } from '../src/allocate/allocate.js';
import type { LansConfig } from '../src/model/schema.js';
import { emptyState } from '../src/state/types.js';
import { meshConfig } from './support/meshes.js';

function config(names: string[]): LansConfig {
  return meshConfig('wireguard', names);
}

describe('allocate', () => {
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
