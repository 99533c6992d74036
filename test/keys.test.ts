import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeKeySource, presharedKey, tlsCryptKey } from '../src/crypto/keys.js';

describe('node key source', () => {
  it('hands out link keys that are all different and never change once handed out', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => nodeKeySource.randomBytes(i % 3 === 0 ? 256 : 32));
    const copies = keys.map((k) => Buffer.from(k));
    assert.ok(keys.every((k, i) => k.length === (i % 3 === 0 ? 256 : 32)));
    assert.equal(new Set(keys.map((k) => k.toString('hex'))).size, keys.length);
    nodeKeySource.randomBytes(100_000);
    for (let i = 0; i < 1000; i++) nodeKeySource.randomBytes(256);
    assert.ok(
      keys.every((k, i) => k.equals(copies[i]!)),
      'a later draw changed an earlier key',
    );
  });

  it('formats preshared and tls-crypt keys as WireGuard and OpenVPN expect', () => {
    assert.match(presharedKey(nodeKeySource), /^[A-Za-z0-9+/]{43}=$/);
    const lines = tlsCryptKey(nodeKeySource).split('\n');
    assert.equal(lines[0], '-----BEGIN OpenVPN Static key V1-----');
    assert.equal(lines.slice(1, 17).join('').length, 512);
    assert.ok(lines.slice(1, 17).every((l) => /^[0-9a-f]{32}$/.test(l)));
    assert.equal(lines[17], '-----END OpenVPN Static key V1-----');
  });
});
