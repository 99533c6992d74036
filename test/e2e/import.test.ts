import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ANCESTOR, copyAncestor } from '../support/ancestor.js';
import { BIN } from '../support/cli.js';
import { finishCaLive, type RotationStart, rotateCaLive } from './caRotation.js';
import { exec, pollUntil } from './exec.js';
import type { LiveMesh } from './lifecycle.js';
import { allLinks, assertLinksStayDown, type Backend, type Link, openvpnWarnings, waitLinksUp } from './links.js';
import {
  assertRestored,
  buildNetwork,
  downAll,
  generateBundles,
  type Installed,
  installBundle,
  type Mesh,
  pingAcrossLans,
  pingOwnGateways,
  readFixture,
  upAll,
} from './mesh.js';
import { cleanup, createLab, ip, type Lab, remainingNamespaces } from './netns.js';
import { missingPrerequisite, skipUnlessRequired } from './prerequisites.js';

const READY_MS = 40_000;
const STAY_DOWN_MS = 6_000;
const P2P_VPN_CA = /VERIFY OK: depth=1, C=AU, ST=Western Australia, L=Perth, O=Bench, emailAddress=alastair@warpspace\.net/;

/**
 * partial-4, as P2P-VPN made it (real symlinks), imported and brought up in
 * namespaces with real OpenVPN. Its gateways' DNS names are replaced by their
 * addresses on the test underlay: the only edit of the imported lans.yaml.
 */
async function importMesh(lab: Lab): Promise<string> {
  const folder = copyAncestor('partial-4', join(lab.workDir, 'p2p-vpn'), { symlinks: true });
  const lansFile = join(lab.workDir, 'lans.yaml');
  await exec([process.execPath, BIN, 'import', folder, '--mesh', 'corp', '--out', lansFile, '--state', join(lab.workDir, 'state')]);
  writeFileSync(
    lansFile,
    readFileSync(lansFile, 'utf8').replace(/endpoint: gw(\d+)\.example\.net/g, (_, n: string) => `endpoint: 198.51.100.${10 + Number(n)}`),
  );
  return lansFile;
}

describe('an imported P2P-VPN mesh in network namespaces', { skip: skipUnlessRequired(missingPrerequisite('openvpn')) }, () => {
  const backend: Backend = { name: 'openvpn', mesh: 'corp', env: {} };
  let lab: Lab;
  let mesh: Mesh;
  let lansFile: string;
  let tarballs: Map<string, string>;
  let installed: Installed[] = [];
  let rotation: RotationStart;
  const live = (): LiveMesh => ({ lab, mesh, backend, installed, readyMs: READY_MS, stayDownMs: STAY_DOWN_MS });
  const started = Date.now();

  before(async () => {
    const missing = missingPrerequisite('openvpn');
    if (missing) assert.fail(`P2PVPN_E2E=required, but ${missing}`);
    lab = createLab();
    lansFile = await importMesh(lab);
    [mesh, tarballs] = await Promise.all([buildNetwork(lab, readFixture(lansFile).lans), generateBundles(lab, lansFile)]);
  });

  after(() => {
    if (!lab) return;
    assert.deepEqual(cleanup(lab), [], 'every process started in the namespaces is gone');
    assert.deepEqual(remainingNamespaces(lab.prefix), [], 'every namespace of the run is deleted');
    process.stderr.write(`imported mesh end-to-end: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });

  it('comes up with the keys P2P-VPN made, which have no extendedKeyUsage: every tunnel, and every LAN reaches every LAN', async () => {
    assert.deepEqual(
      (await pingOwnGateways(mesh)).filter((p) => !p.ok),
      [],
      'every host reaches its gateway',
    );
    // A bridge reports UNKNOWN until its first port is up: wait, so that up.sh's "before" snapshots are the settled ones.
    for (const site of mesh.sites)
      await pollUntil(
        `${site.spec.name}'s LAN bridge to be up`,
        5_000,
        async () => ((await ip(site.gateway.ns, 'link', 'show', 'lan')).stdout.includes('state UP') ? true : undefined),
        50,
      );
    const installs = await Promise.all(
      mesh.sites.map(async (site) => ({ site, bundle: await installBundle(lab, site.gateway, tarballs.get(site.spec.name)!, site.spec.name, 'main') })),
    );
    installed = await upAll(installs, backend.env);
    await waitLinksUp(backend, allLinks(installed), READY_MS);
    assert.deepEqual(openvpnWarnings(installed), [], 'OpenVPN accepts every option without a warning');
    assert.deepEqual(
      (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
      [],
    );
    for (const i of installed) {
      const lan = i.site.spec.name;
      assert.equal(
        readFileSync(join(i.bundle, 'keys', `${lan}.crt`), 'utf8'),
        certificateOf(readFileSync(join(ANCESTOR, 'partial-4/keys', `${lan}.crt`), 'utf8')),
        `${lan} runs the certificate P2P-VPN issued`,
      );
      for (const peer of installed.filter((p) => p !== i)) {
        const log = readFileSync(join(i.bundle, 'run', `${peer.site.spec.name}.log`), 'utf8');
        assert.match(log, P2P_VPN_CA, `${lan} verified ${peer.site.spec.name} by P2P-VPN's CA`);
        assert.match(log, new RegExp(`VERIFY X509NAME OK: .*CN=${peer.site.spec.name},`));
        assert.doesNotMatch(log, /VERIFY EKU/, 'no extendedKeyUsage is demanded of certificates that have none');
      }
    }
  });

  it('rotate --ca moves it to a CA of its own while it runs: each tunnel restarts once, nothing refused in any mix of bundles', async () => {
    rotation = await rotateCaLive(live(), lansFile, /VERIFY OK: depth=1, O=Bench, CN=corp CA 2/);
    assert.deepEqual(
      (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
      [],
    );
  });

  it('rotate --ca --finish: every peer demands EKU, each tunnel restarts once for it; a certificate of the old CA is refused from then on', async () => {
    await finishCaLive(live(), lansFile, rotation, { demandsEku: true });
    assert.deepEqual(
      (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
      [],
    );
  });

  it('down.sh puts back addresses, routes, links, forwarding and processes', async () => {
    await downAll(installed, backend.env);
    await assertRestored(installed);
  });

  it("a gateway holding another's certificate and key from P2P-VPN's CA is refused by name on each of its links; the others come up", async () => {
    // Fresh copies of the bundles import made, lan3 carrying lan4's certificate and key.
    const bundles = new Map<string, string>();
    for (const site of mesh.sites)
      bundles.set(site.spec.name, await installBundle(lab, site.gateway, rotation.tarballs.get(site.spec.name)!, site.spec.name, 'impostor'));
    for (const ext of ['crt', 'key']) copyFileSync(join(bundles.get('lan4')!, 'keys', `lan4.${ext}`), join(bundles.get('lan3')!, 'keys', `lan3.${ext}`));
    const swapped = await upAll(
      mesh.sites.map((site) => ({ site, bundle: bundles.get(site.spec.name)! })),
      backend.env,
    );
    const isLan3 = (l: Link): boolean => l.ends.some((e) => e.site.spec.name === 'lan3');
    try {
      await waitLinksUp(
        backend,
        allLinks(swapped).filter((l) => !isLan3(l)),
        READY_MS,
      );
      await assertLinksStayDown(backend, allLinks(swapped).filter(isLan3), STAY_DOWN_MS);
      for (const peer of ['lan1', 'lan2', 'lan4']) {
        assert.match(
          readFileSync(join(bundles.get(peer)!, 'run', 'lan3.log'), 'utf8'),
          /VERIFY X509NAME ERROR: .*CN=lan4.*, must be lan3/,
          `${peer} refuses lan4's certificate from lan3`,
        );
      }
    } finally {
      await downAll(swapped, backend.env);
    }
    await assertRestored(swapped);
  });
});

/** The PEM block of a certificate file that `openssl ca` wrote with its text dump in front. */
function certificateOf(text: string): string {
  return /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/.exec(text)![0];
}
