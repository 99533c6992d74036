import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meshDot } from '../src/graph/dot.js';
import { meshMermaid } from '../src/graph/mermaid.js';
import type { LanView, LinkView, MeshView } from '../src/show/view.js';

function lan(name: string, number: number, pending = false): LanView {
  const own = { number, endpoint: null, listen: null, lanAddress: `10.${number}.0.1`, port: 51820, tunnelAddresses: [`172.19.0.${number}`], pending };
  return { name, description: 'R&D (lab)', subnets: [`10.${number}.0.0/16`], ...own, vip: null, gateways: [{ id: name, name: null, ...own }] };
}

function link(pair: number, ends: [string, string], pending = false): LinkView {
  return { pair, ends, lans: ends, ports: [51820, 51820], transitBlock: null, tunnelAddresses: ['172.19.0.1', '172.19.0.2'], backend: 'wireguard', pending };
}

function view(source: MeshView['source']): MeshView {
  const lans = [lan('a', 1), lan('b', 2), lan('end', 3, true)];
  const links = [link(1, ['a', 'b']), link(2, ['a', 'end'], true), link(3, ['b', 'end'], true)];
  return { version: 1, kind: 'p2pvpn-mesh-view', mesh: 'm', backend: 'wireguard', routing: 'static', source, tunnelMtu: 1440, lans, links, removedLans: [] };
}

describe('meshDot', () => {
  it('dashes what the next generate adds to a generated mesh, and says so', () => {
    const dot = meshDot(view('state'));
    assert.match(dot, /^ {2}"end" \[.*style="rounded,filled,dashed"\];$/m);
    assert.doesNotMatch(dot, /^ {2}"a" \[.*dashed/m);
    assert.match(dot, /^ {2}"a" -- "link 2" -- "end" \[tooltip="[^"]*", style=dashed\];$/m);
    assert.match(dot, /^ {2}"a" -- "link 1" -- "b" \[tooltip="[^"]*"\];$/m);
    assert.match(dot, /label="m: wireguard full mesh, 3 LANs, 3 links\\n\(dashed: added by the next generate\)"/);
  });

  it('dashes nothing in a preview, where everything is new', () => {
    assert.doesNotMatch(meshDot(view('preview')), /dashed/);
  });

  it('escapes free text in labels and tooltips, and marks a gateway that only dials out', () => {
    const dot = meshDot(view('preview'));
    assert.match(dot, /tooltip="1\. a \(R&D \(lab\)\): 10\.1\.0\.0\/16, endpoint none \(dials out\)"/);
    assert.match(dot, /172\.19\.0\.1 · udp 51820 · dials out/);
  });
});

describe('meshMermaid', () => {
  it('gives every LAN an id that is not a Mermaid keyword', () => {
    const mmd = meshMermaid(view('preview'));
    assert.match(mmd, /^ {2}lan_end\["<b>end<\/b><br\/>10\.3\.0\.0\/16<br\/>172\.19\.0\.3"\]$/m);
    assert.match(mmd, /^ {2}lan_b ---\|"pair 3"\| lan_end$/m);
  });
});
