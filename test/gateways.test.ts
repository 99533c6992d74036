import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReport, type Problem } from '../src/model/problems.js';
import { buildMesh } from '../src/pipeline.js';
import { emptyState, type MeshState } from '../src/state/types.js';
import { reporter, validateLans } from '../src/validate/validate.js';
import { fastKeys } from './support/bundles.js';

function yaml(backend: 'openvpn' | 'wireguard', hq: 'one' | 'two'): string {
  const gateways =
    hq === 'one'
      ? '    gateway: { endpoint: 198.51.100.11, lanAddress: 10.10.0.2 }'
      : [
          '    vip: 10.10.0.1',
          '    gateways:',
          '      - { name: a, endpoint: 198.51.100.11, lanAddress: 10.10.0.2 }',
          '      - { name: b, endpoint: 198.51.100.12, lanAddress: 10.10.0.3 }',
        ].join('\n');
  const branch = ['  - name: branch', '    subnets: [192.168.10.0/24]', '    gateway: { endpoint: 198.51.100.20, lanAddress: 192.168.10.1 }'];
  return [`mesh: { name: conv, backend: ${backend}, routing: bgp }`, 'lans:', '  - name: hq', '    subnets: [10.10.0.0/16]', gateways, ...branch, ''].join(
    '\n',
  );
}

async function build(text: string, prev: MeshState): Promise<MeshState> {
  const problems: Problem[] = [];
  const { config, source, problems: found } = validateLans('lans.yaml', text);
  if (!config || !source) throw new Error(formatReport(found));
  const built = await buildMesh(config, prev, fastKeys, new Date('2026-01-01T00:00:00Z'), reporter(source, problems));
  if (!built) throw new Error(formatReport(problems));
  return built.state;
}

describe('a LAN that goes from one gateway to two', () => {
  it('WireGuard: its first gateway keeps the key pair and the link key; only the new gateway and its links get new ones', async () => {
    const before = await build(yaml('wireguard', 'one'), emptyState('conv'));
    const after = await build(yaml('wireguard', 'two'), before);
    assert.equal(after.public.lans['hq-a']!.wgPublicKey, before.public.lans['hq']!.wgPublicKey);
    assert.equal(after.secrets.lans['hq-a']!.wgPrivateKey, before.secrets.lans['hq']!.wgPrivateKey);
    assert.equal(after.secrets.pairs['1']!.psk, before.secrets.pairs['1']!.psk, 'link 1 (hq-a to branch) keeps its preshared key');
    assert.equal(after.public.lans['hq'], undefined);
    assert.equal(after.secrets.lans['hq'], undefined, 'no secret is left under the old id');
  });

  it('OpenVPN: its first gateway gets a certificate naming hq-a, the one naming hq is revoked; the tls-crypt key stays', async () => {
    const before = await build(yaml('openvpn', 'one'), emptyState('conv'));
    const after = await build(yaml('openvpn', 'two'), before);
    const old = before.public.lans['hq']!.certificate!;
    assert.notEqual(after.public.lans['hq-a']!.certificate!.serial, old.serial);
    assert.deepEqual(
      after.public.revoked.map((r) => [r.serial, r.name]),
      [[old.serial, 'hq']],
    );
    assert.equal(after.secrets.pairs['1']!.tlsCrypt, before.secrets.pairs['1']!.tlsCrypt);
    assert.equal(after.public.pairs.find((p) => p.number === 1)!.lans.join(' '), 'hq-a branch');
  });
});
