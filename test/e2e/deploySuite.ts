import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, FIXTURES } from '../support/cli.js';
import { type ExecResult, exec } from './exec.js';
import { JOINER, lanYaml } from './lifecycle.js';
import { addSite, buildNetwork, type Mesh, NAT_SSH_PORT, outDir, pingAcrossLans, privateRootOf, readFixture, type Site, WG_USERSPACE_ENV } from './mesh.js';
import { addUnderlayHost, cleanup, createLab, execInGateway, type Lab, remainingNamespaces } from './netns.js';
import { startPing } from './ping.js';
import { missingPrerequisite, skipUnlessRequired } from './prerequisites.js';
import { type SshClient, type Sshd, sshClient, startSshd } from './sshd.js';

/** The machine that deploys: on the underlay, like a laptop or CI runner on the internet. */
const CONTROLLER = '198.51.100.250';

/**
 * `p2pvpn deploy` and `p2pvpn status` against gateways of their own: each
 * gateway namespace runs a real sshd and has private /run, /etc/p2pvpn, /tmp
 * and /root; the real ansible-playbook runs from a controller namespace.
 */
export function describeDeploySuite(backend: 'openvpn' | 'wireguard'): void {
  const missing = missingPrerequisite(backend) ?? missingDeployTools();
  const fixture = join(FIXTURES, 'e2e', backend, 'lans.yaml');
  describe(`p2pvpn deploy and status over SSH, ${backend}`, { skip: skipUnlessRequired(missing) }, () => {
    const spec = readFixture(fixture);
    const wgEnv = backend === 'wireguard' ? WG_USERSPACE_ENV : {};
    let lab: Lab;
    let mesh: Mesh;
    let client: SshClient;
    let controller: string;
    const sshds = new Map<string, Sshd>();
    let lans: string;
    const state = (): string => join(lab.workDir, 'state');
    const started = Date.now();

    /** The real CLI, in the controller namespace. */
    const cli = (...args: string[]): Promise<ExecResult> =>
      exec(['ip', 'netns', 'exec', controller, process.execPath, BIN, ...args], { env: client.env, allowFail: true, timeoutMs: 300_000 });
    const p2pvpn = (command: string, ...args: string[]): Promise<ExecResult> =>
      cli(command, lans, '--out', outDir(lab), ...(['generate', 'plan', 'rotate'].includes(command) ? ['--state', state()] : []), ...args);
    const installed = (lan: string): string => join(privateRootOf(lab, lan), 'etc-p2pvpn', spec.mesh);

    before(async () => {
      if (missing) assert.fail(`P2PVPN_E2E=required, but ${missing}`);
      lab = createLab();
      lans = join(lab.workDir, 'lans.yaml');
      writeFileSync(lans, readFileSync(fixture, 'utf8'));
      [mesh, client] = await Promise.all([buildNetwork(lab, spec.lans, spec.underlayMtu, true), sshClient(lab)]);
      controller = await addUnderlayHost(lab, mesh.underlay, 'ctl', CONTROLLER);
      await Promise.all(mesh.sites.map((site) => serveSsh(site)));
      const r = await p2pvpn('generate');
      assert.equal(r.code, 0, r.stderr);
    });

    after(() => {
      if (!lab) return;
      assert.deepEqual(cleanup(lab), [], 'every process started in the namespaces is gone');
      assert.deepEqual(remainingNamespaces(lab.prefix), [], 'every namespace of the run is deleted');
      process.stderr.write(`${backend} deploy end-to-end: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });

    /** sshd in the site's gateway; its host key goes into the controller's known_hosts under the name deploy dials. */
    async function serveSsh(site: Site): Promise<void> {
      const name = site.spec.endpoint ?? `198.51.100.${101 + mesh.sites.indexOf(site)}:${NAT_SSH_PORT}`;
      const sshd = await startSshd(site.gateway, privateRootOf(lab, site.spec.name), client, [name]);
      sshds.set(site.spec.name, sshd);
      writeFileSync(client.knownHosts, readFileSync(client.knownHosts, 'utf8') + sshd.knownHosts);
    }

    it('deploy from the controller brings the four-LAN mesh up: every host reaches every other LAN', async () => {
      const r = await p2pvpn('deploy');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        outcomes(r.stdout),
        spec.lans.map((l) => `changed ${l.name}`),
        r.stdout,
      );
      assert.deepEqual(
        (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
        [],
      );
      for (const lan of spec.lans)
        assert.equal(readFileSync(join(installed(lan.name), '.bundle.sha256'), 'utf8').trim(), sha256Of(lab, lan.name), `${lan.name} records its tarball`);
      assert.ok(!existsSync(`/etc/systemd/system/p2pvpn-${spec.mesh}.service`), "no gateway wrote into the host's own /etc");
    });

    it('deploy again changes nothing', async () => {
      const r = await p2pvpn('deploy');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        outcomes(r.stdout),
        spec.lans.map((l) => `unchanged ${l.name}`),
      );
    });

    it('a LAN joins: deploy changes exactly the gateways plan lists, new one first, and a ping between two existing LANs loses nothing', async () => {
      const site = await addSite(mesh, JOINER);
      await serveSsh(site);
      writeFileSync(lans, readFileSync(fixture, 'utf8') + lanYaml(JOINER));
      const plan = await p2pvpn('plan', '--json');
      assert.equal(plan.code, 3, plan.stderr);
      const planned = (JSON.parse(plan.stdout) as { gateways: { lan: string; verdict: string }[] }).gateways
        .filter((g) => g.verdict !== 'unchanged')
        .map((g) => g.lan)
        .sort();
      assert.equal((await p2pvpn('generate')).code, 0);
      const check = await p2pvpn('deploy', '--check');
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.deepEqual(
        outcomes(check.stdout)
          .filter((l) => l.startsWith('would change '))
          .map((l) => l.split(' ')[2]!)
          .sort(),
        planned,
        '--check names what plan listed',
      );
      assert.match(check.stdout, new RegExp(`^would change +${JOINER.name} +\\(new: nothing installed yet\\)$`, 'm'));
      assert.ok(!existsSync(join(installed(JOINER.name), '.bundle.sha256')), '--check installed nothing');
      const [alpha, bravo] = mesh.sites;
      const ping = await startPing(alpha!.hosts[0]!, bravo!.hosts[0]!, 5_000, '0.2');
      let r: ExecResult;
      try {
        r = await p2pvpn('deploy', '--serial', '2');
      } finally {
        const tally = await ping.stop();
        assert.deepEqual(tally.missing, [], `no ping lost between alpha and bravo during the rollout (${tally.window} sent)`);
      }
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const changed = outcomes(r.stdout)
        .filter((l) => l.startsWith('changed '))
        .map((l) => l.split(' ')[1]!)
        .sort();
      assert.deepEqual(changed, planned, 'Ansible changed exactly what plan listed');
      const recorded = (lan: string): number => statSync(join(installed(lan), '.bundle.sha256')).mtimeMs;
      for (const lan of changed.filter((l) => l !== JOINER.name))
        assert.ok(recorded(JOINER.name) < recorded(lan), `the new gateway was installed before ${lan}`);
      assert.deepEqual(
        (await pingAcrossLans(mesh, { expect: 'reach' })).filter((p) => !p.ok),
        [],
        'the new LAN reaches every LAN',
      );
    });

    it('status shows every link up, in parallel from every gateway', async () => {
      const r = await p2pvpn('status', '--json');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const status = JSON.parse(r.stdout) as { links: { ends: string[]; up: boolean; seen: string[] }[] };
      assert.equal(status.links.length, 10);
      assert.deepEqual(
        status.links.filter((l) => !l.up),
        [],
      );
      const text = await p2pvpn('status');
      assert.match(text.stdout, /mesh \S+: 10 of 10 links up/);
    });

    it("stopping one gateway's tunnels makes status exit 3 naming those links", async () => {
      const bravo = mesh.sites[1]!;
      await execInGateway(bravo.gateway, [join('/etc/p2pvpn', spec.mesh, 'down.sh')], { env: wgEnv });
      try {
        const r = await p2pvpn('status');
        assert.equal(r.code, 3, r.stdout + r.stderr);
        const named = [...r.stdout.matchAll(/^link (\S+) is not up: (.*)$/gm)].map((m) => m[1]);
        assert.deepEqual(
          named.sort(),
          mesh.sites
            .filter((s) => s !== bravo)
            .map((s) => [s.spec.name, 'bravo'].sort().join('-'))
            .sort(),
          r.stdout,
        );
        assert.match(r.stdout, /bravo sees it down/);
      } finally {
        await execInGateway(bravo.gateway, ['setsid', '-w', join('/etc/p2pvpn', spec.mesh, 'up.sh')], { env: wgEnv });
      }
    });

    it('a gateway whose sshd is down makes deploy exit 4 naming it, and no gateway holds a partial bundle', async () => {
      const before = new Map(mesh.sites.map((s) => [s.spec.name, sha256Of(lab, s.spec.name)]));
      assert.equal((await p2pvpn('rotate', 'alpha')).code, 0);
      sshds.get('charlie')!.stop();
      const r = await p2pvpn('deploy');
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.match(r.stdout, /^failed +charlie: unreachable: /m);
      for (const site of mesh.sites) {
        const lan = site.spec.name;
        assert.equal(readFileSync(join(installed(lan), '.bundle.sha256'), 'utf8').trim(), before.get(lan), `${lan} still runs its whole previous bundle`);
        assert.deepEqual(
          readdirSync(join(privateRootOf(lab, lan), 'etc-p2pvpn')).filter((f) => f.startsWith('.staging')),
          [],
          `${lan} has no staging folder`,
        );
      }
    });
  });
}

/** The tools deploy needs beyond the tunnels'. */
function missingDeployTools(): string | undefined {
  const tools = ['ansible-playbook', 'ansible', 'ssh', 'ssh-keygen', '/usr/sbin/sshd'];
  const absent = tools.filter((t) => (t.startsWith('/') ? !existsSync(t) : !(process.env['PATH'] ?? '').split(':').some((d) => existsSync(join(d, t)))));
  return absent.length > 0 ? `missing ${absent.join(', ')} (install: ansible-core openssh-server openssh-client)` : undefined;
}

/** `changed alpha`, `unchanged bravo`, ...: deploy's lines without the detail. */
function outcomes(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^(changed|unchanged|failed|not deployed|would change) /.test(l))
    .map((l) => l.replace(/^(\w+(?: \w+)?) +(\S+?):?(\s.*)?$/, '$1 $2'));
}

function sha256Of(lab: Lab, lan: string): string {
  const inventory = readFileSync(join(outDir(lab), 'inventory.yml'), 'utf8');
  const m = new RegExp(`"${lan}":\\n(?:.*\\n)*?\\s+p2pvpn_sha256: "([0-9a-f]{64})"`).exec(inventory);
  if (!m) throw new Error(`no sha256 of ${lan} in the inventory`);
  return m[1]!;
}
