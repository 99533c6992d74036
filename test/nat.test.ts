import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RenderedBundle } from '../src/render/render.js';
import { buildBundles, fileOf, gatewayMesh } from './support/bundles.js';

/** home has no endpoint, vpc-eu listens on a private address behind its public one. */
describe('NAT and endpoints', () => {
  let wg: RenderedBundle[];
  let ovpn: RenderedBundle[];
  before(async () => {
    [wg, ovpn] = await Promise.all([buildBundles(gatewayMesh('wireguard')), buildBundles(gatewayMesh('openvpn'))]);
  });
  const lan = (bundles: RenderedBundle[], name: string) => bundles.find((b) => b.lan === name)!;

  /** The [Peer] sections of a wg.conf as name → whether it keeps the tunnel alive and has an endpoint; no key text leaves here. */
  function wgPeers(bundle: RenderedBundle): Record<string, string> {
    const conf = fileOf(bundle, 'wireguard/wg-gw-wg.conf');
    const out: Record<string, string> = {};
    for (const section of conf.split('\n# ').filter((s) => s.includes('\n[Peer]'))) {
      const peer = section.slice(0, section.indexOf('\n'));
      out[peer] = `${section.includes('\nEndpoint = ') ? 'dials' : 'waits'}${section.includes('\nPersistentKeepalive = 25') ? ', keepalive' : ''}`;
    }
    return out;
  }

  it('WireGuard: the gateway without an endpoint dials every peer and keeps its tunnels alive', () => {
    assert.deepEqual(wgPeers(lan(wg, 'home')), { hq: 'dials, keepalive', branch: 'dials, keepalive', 'vpc-eu': 'dials, keepalive' });
  });

  it('WireGuard: its peers wait for it, and keep alive the links behind NAT', () => {
    assert.deepEqual(wgPeers(lan(wg, 'hq')), { branch: 'dials', 'vpc-eu': 'dials, keepalive', home: 'waits, keepalive' });
  });

  it('OpenVPN: the gateway without an endpoint is the TLS client and dials; its peer waits without a remote', () => {
    const dialling = fileOf(lan(ovpn, 'home'), 'openvpn/hq.conf');
    assert.match(dialling, /^remote vpn\.hq\.example\.com 11003$/m);
    assert.match(dialling, /^tls-client$/m);
    const waiting = fileOf(lan(ovpn, 'hq'), 'openvpn/home.conf');
    assert.doesNotMatch(waiting, /^remote /m);
    assert.match(waiting, /^tls-server$/m);
  });

  it('OpenVPN: on such a link the dialler restarts after 8 s of silence, and the end it dials says when it stops', () => {
    const keepalive = (conf: string): string[] => conf.split('\n').filter((l) => /^(ping|ping-restart|explicit-exit-notify) /.test(l));
    assert.deepEqual(keepalive(fileOf(lan(ovpn, 'home'), 'openvpn/hq.conf')), ['ping 2', 'ping-restart 8']);
    assert.deepEqual(keepalive(fileOf(lan(ovpn, 'hq'), 'openvpn/home.conf')), ['ping 2', 'ping-restart 8', 'explicit-exit-notify 1']);
    // Where both ends can dial, nothing waits on the other: the defaults stay, and no exit delays a restart.
    assert.deepEqual(keepalive(fileOf(lan(ovpn, 'hq'), 'openvpn/branch.conf')), ['ping 10', 'ping-restart 60']);
  });

  it('OpenVPN: a gateway behind NAT listens on its private address while peers dial its public one', () => {
    for (const conf of lan(ovpn, 'vpc-eu').files.filter((f) => f.path.startsWith('openvpn/'))) {
      assert.match(conf.content, /^local 10\.20\.0\.10$/m, conf.path);
    }
    assert.match(fileOf(lan(ovpn, 'branch'), 'openvpn/vpc-eu.conf'), /^remote 203\.0\.113\.30 11004$/m);
  });
});
