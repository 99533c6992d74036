import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, pollUntil } from './exec.js';
import { type Gateway, type Lab, processesIn } from './netns.js';

/**
 * A real OpenSSH server in a gateway namespace, as a gateway that Ansible
 * deploys to has one: its own host key, the lab's client key authorized for
 * root, listening on the gateway's WAN address. Its files live in the
 * gateway's private /root; wireguard-go gets the environment it needs by
 * sshd's SetEnv, since sessions do not inherit sshd's own.
 */
export interface Sshd {
  gateway: Gateway;
  /** known_hosts line(s) for the names the controller dials. */
  knownHosts: string;
  /** Kills the server and every session it forked: the gateway can no longer be reached. */
  stop(): void;
}

export interface SshClient {
  /** The private key the controller logs in with, and its known_hosts file. */
  key: string;
  knownHosts: string;
  /** Environment for ansible and ansible-playbook on the controller: this key, these hosts, a control path of this lab only. */
  env: Record<string, string>;
}

/** The lab's client key pair and the Ansible settings that use it. */
export async function sshClient(lab: Lab): Promise<SshClient> {
  const dir = join(lab.workDir, 'ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'id_ed25519');
  await exec(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `${lab.prefix}-controller`, '-f', key]);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, '', { mode: 0o600 });
  const env = {
    ANSIBLE_PRIVATE_KEY_FILE: key,
    ANSIBLE_SSH_COMMON_ARGS: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o ConnectTimeout=5`,
    // Other labs may use the same addresses in their own namespaces: never share a master connection.
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-tmp'),
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  };
  return { key, knownHosts, env };
}

/** Starts sshd in `gateway` (whose private root is `privateRoot`); `names` are the host[:port] the controller uses for it. */
export async function startSshd(gateway: Gateway, privateRoot: string, client: SshClient, names: string[]): Promise<Sshd> {
  const root = join(privateRoot, 'root');
  const conf = join(root, 'sshd');
  mkdirSync(join(root, '.ssh'), { recursive: true, mode: 0o700 });
  mkdirSync(conf, { recursive: true, mode: 0o700 });
  writeFileSync(join(root, '.ssh', 'authorized_keys'), readFileSync(`${client.key}.pub`), { mode: 0o600 });
  await exec(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', gateway.name, '-f', join(conf, 'host_ed25519')]);
  const config = [
    `ListenAddress ${gateway.wanAddress}`,
    'HostKey /root/sshd/host_ed25519',
    'PidFile none',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'AuthorizedKeysFile /root/.ssh/authorized_keys',
    'SetEnv WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
  writeFileSync(join(conf, 'sshd_config'), config, { mode: 0o600 });
  const child = spawn(
    'nsenter',
    [`--mount=${gateway.mnt}`, `--net=/run/netns/${gateway.ns}`, '--', '/usr/sbin/sshd', '-D', '-e', '-f', '/root/sshd/sshd_config'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  await pollUntil(`sshd of ${gateway.name} to listen`, 10_000, async () => (log.includes('Server listening') ? true : undefined), 50).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}: ${log.trim()}`);
  });
  const hostKey = readFileSync(join(conf, 'host_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const knownHosts = names.map((name) => `${name.includes(':') ? `[${name.split(':')[0]}]:${name.split(':')[1]}` : name} ${hostKey}\n`).join('');
  return { gateway, knownHosts, stop: () => stopSshd(child, gateway) };
}

function stopSshd(child: ChildProcess, gateway: Gateway): void {
  child.kill('SIGKILL');
  for (const line of processesIn(gateway.ns)) {
    const [pid, comm] = line.split(' ');
    if (comm === 'sshd') {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}
