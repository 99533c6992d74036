import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, ROOT, runCli, withTempDir } from './support/cli.js';
import { meshYaml, siteNames } from './support/meshes.js';

/** The visible text of an SVG, one entry per <text> element. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))));
}

describe('p2pvpn graph', () => {
  it('draws a LAN with several gateways as the LAN and a node per gateway, the links ending at the gateways', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'golden-bgp-openvpn/lans.yaml'), join(dir, 'lans.yaml'));
      assert.equal(runCli(['graph', 'lans.yaml'], dir).code, 0);
      const dot = readFileSync(join(dir, 'out/bgpovpn.dot'), 'utf8');
      assert.match(dot, /^ {2}"hq" \[label=<<b>hq<\/b><br\/>10\.10\.0\.0\/16<br\/><font[^>]*>VIP 10\.10\.0\.1<\/font>>/m);
      for (const g of ['hq-a', 'hq-b']) {
        assert.match(dot, new RegExp(`^ {2}"${g}" \\[shape=ellipse`, 'm'));
        assert.match(dot, new RegExp(`^ {2}"hq" -- "${g}" \\[style=dotted`, 'm'));
        assert.match(dot, new RegExp(`^ {2}"${g}" -- "link \\d+" -- "branch"`, 'm'));
      }
      assert.match(dot, /3 LANs \(4 gateways\), 5 links/);
      const svg = svgTexts(readFileSync(join(dir, 'out/bgpovpn.svg'), 'utf8'));
      for (const want of ['hq', 'hq-a', 'hq-b', 'VIP 10.10.0.1', 'branch', 'rack']) assert.ok(svg.includes(want), `the SVG shows ${want}`);
      const mmd = readFileSync(join(dir, 'out/bgpovpn.mmd'), 'utf8');
      assert.match(mmd, /^ {2}subgraph lan_hq\["hq<br\/>10\.10\.0\.0\/16<br\/>VIP 10\.10\.0\.1"\]\n {4}lan_hq_a\["hq-a"\]\n {4}lan_hq_b\["hq-b"\]\n {2}end$/m);
    }));

  it('writes SVG, DOT and Mermaid of the example into out/, and nothing else', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      const r = runCli(['graph', 'lans.yaml'], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'wrote out/acme.svg\nwrote out/acme.dot\nwrote out/acme.mmd\n');
      assert.deepEqual(readdirSync(dir).sort(), ['lans.yaml', 'out']);
      assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['acme.dot', 'acme.mmd', 'acme.svg']);

      const svg = readFileSync(join(dir, 'out/acme.svg'), 'utf8');
      assert.match(svg, /^<\?xml[\s\S]*<svg width="\d+pt" height="\d+pt"/);
      const texts = svgTexts(svg);
      for (const want of [
        'hq',
        'branch',
        'vpc-eu',
        'vpc-us',
        '10.10.0.0/16',
        '192.168.10.0/24',
        '192.168.11.0/24',
        '172.19.0.3 · udp 51820',
        'pair 1',
        'pair 6',
      ]) {
        assert.ok(texts.includes(want), `"${want}" not drawn; texts: ${texts.join(' | ')}`);
      }
      const dot = readFileSync(join(dir, 'out/acme.dot'), 'utf8');
      assert.equal(dot.match(/^ {2}"[a-z-]+" -- "link \d+" -- "[a-z-]+" \[/gm)?.length, 6, dot);
      const mmd = readFileSync(join(dir, 'out/acme.mmd'), 'utf8').split('\n');
      assert.equal(mmd[3], 'flowchart LR');
      assert.equal(mmd.filter((l) => l.includes(' ---|')).length, 6);
      assert.ok(mmd.includes('  lan_vpc_eu["<b>vpc-eu</b><br/>10.20.0.0/20<br/>172.19.0.3"]'), mmd.join('\n'));
    }));

  it('labels OpenVPN links with their port and transit block', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a', 'b', 'c', 'd'], { mesh: 'ovpn', backend: 'openvpn' }));
      const r = runCli(['graph', 'lans.yaml', '--out', 'pics'], dir);
      assert.equal(r.code, 0, r.stderr);
      const texts = svgTexts(readFileSync(join(dir, 'pics/ovpn.svg'), 'utf8'));
      for (const want of ['udp 11001', '172.19.0.0/30', 'udp 11006', '172.19.0.20/30']) assert.ok(texts.includes(want), `"${want}" not drawn`);
      assert.match(readFileSync(join(dir, 'pics/ovpn.mmd'), 'utf8'), /^ {2}lan_a ---\|"udp 11001<br\/>172\.19\.0\.0\/30"\| lan_b$/m);
    }));

  it('draws a 30-LAN mesh with every LAN named and each of the 435 links as a line with a tooltip', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(siteNames(30), { mesh: 'big' }));
      const r = runCli(['graph', 'lans.yaml'], dir);
      assert.equal(r.code, 0, r.stderr);
      const svg = readFileSync(join(dir, 'out/big.svg'), 'utf8');
      const texts = svgTexts(svg);
      for (const name of siteNames(30)) assert.ok(texts.includes(name), `${name} not drawn`);
      assert.ok(!texts.some((t) => t.startsWith('pair ')), 'link labels would bury the LANs at this size');
      assert.equal(svg.match(/<g id="edge\d+" class="edge">/g)?.length, 435);
      assert.match(svg, /<a xlink:title="pair 1: site&#45;01 172\.19\.0\.1 &#45; site&#45;02 172\.19\.0\.2, udp 51820">/);
      const [, width, height] = svg.match(/<svg width="(\d+)pt" height="(\d+)pt"/)!;
      assert.ok(Number(width) < 2500 && Number(height) < 2500, `${width}x${height}pt is too large to read on a screen`);
    }));

  it('has drawn the picture in docs/ from the current code (npm run docs redraws it)', () =>
    withTempDir((dir) => {
      assert.equal(runCli(['graph', join(FIXTURES, 'example/lans.yaml'), '--out', dir, '--state', join(dir, 'no.state')], dir).code, 0);
      for (const file of ['acme.svg', 'acme.dot', 'acme.mmd']) {
        assert.equal(
          readFileSync(join(ROOT, 'docs/example-mesh', file), 'utf8'),
          readFileSync(join(dir, file), 'utf8'),
          `docs/example-mesh/${file} is stale: run npm run docs`,
        );
      }
    }));

  it('names a folder it cannot write to, as a user error', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      writeFileSync(join(dir, 'file'), '');
      const r = runCli(['graph', 'lans.yaml', '--out', 'file'], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^p2pvpn: file\/acme\.svg: cannot write it \((EEXIST|ENOTDIR)\); choose another folder with --out\n$/);
    }));

  it('reports bad input like validate and writes no picture', () =>
    withTempDir((dir) => {
      writeFileSync(join(dir, 'lans.yaml'), meshYaml(['a']));
      const r = runCli(['graph', 'lans.yaml'], dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /lans\.yaml:\d+:\d+: lans: must list at least two LANs/);
      assert.deepEqual(readdirSync(dir), ['lans.yaml']);
    }));
});
