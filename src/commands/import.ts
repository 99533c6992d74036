import { X509Certificate } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import { type AncestorImport, importAncestor } from '../import/importAncestor.js';
import { readAncestorFolder } from '../io/ancestorFolder.js';
import { exists, writeNewFile } from '../io/files.js';
import { defaultStateDir } from '../io/lansFile.js';
import { withStateLock } from '../io/lock.js';
import { type GlobalOptions, output } from '../io/output.js';
import { holdsState, saveState } from '../io/stateStore.js';
import type { Streams } from '../io/streams.js';
import { hasErrors, printable } from '../model/problems.js';
import { NAME_PATTERN, NAME_RULE } from '../model/schema.js';
import { emptyState } from '../state/types.js';
import { validateLans } from '../validate/validate.js';

export interface ImportOptions extends GlobalOptions {
  out: string;
  state?: string;
  mesh?: string;
}

/** `p2pvpn import`: a P2P-VPN working folder in, a lans.yaml and a state folder out, or nothing at all. */
export async function runImport(folder: string, opts: ImportOptions, io: Streams): Promise<ExitCode> {
  const out = output(io, opts);
  const mesh = meshName(folder, opts.mesh);
  const stateDir = opts.state ?? defaultStateDir(opts.out);
  refuseToOverwrite(opts.out, stateDir);
  const { result, problems } = importAncestor(readAncestorFolder(folder), mesh, new Date());
  // Everything below echoes the folder's names and text: escaped, like validate's messages.
  if (!result) {
    for (const p of problems) out.error(printable(`p2pvpn: ${p}`));
    out.error(printable(`p2pvpn: ${folder} was not imported, nothing was written`));
    return ExitCode.userError;
  }
  const checked = validateLans(opts.out, result.lansYaml);
  if (hasErrors(checked.problems)) {
    out.problems(checked.problems);
    out.error(`p2pvpn: the lans.yaml made from ${folder} does not validate (above), nothing was written`);
    return ExitCode.userError;
  }
  await withStateLock(
    stateDir,
    'import',
    (line) => out.error(line),
    async () => {
      refuseToOverwrite(opts.out, stateDir);
      saveState(stateDir, result.state, { state: emptyState(mesh), existed: false, highestGeneration: 0 });
      if (!writeNewFile(opts.out, result.lansYaml, 0o644)) throw new UserError(`${opts.out} appeared while importing; it was left as it is`);
    },
  );
  for (const line of summary(folder, opts.out, stateDir, result)) out.info(printable(line));
  return ExitCode.ok;
}

function meshName(folder: string, given: string | undefined): string {
  const name = given ?? basename(resolve(folder)).toLowerCase();
  if (NAME_PATTERN.test(name)) return name;
  throw new UserError(given ? `--mesh "${given}": must be ${NAME_RULE}` : `the folder name "${name}" is not a mesh name (${NAME_RULE}); give one with --mesh`);
}

function refuseToOverwrite(lansFile: string, stateDir: string): void {
  if (exists(lansFile)) throw new UserError(`${lansFile} already exists; import writes a new one, give another with --out`);
  if (holdsState(stateDir)) throw new UserError(`${stateDir} already holds a p2pvpn state; import starts a new one, give another with --state`);
}

function summary(folder: string, lansFile: string, stateDir: string, r: AncestorImport): string[] {
  const pairLine = (p: AncestorImport['pairs'][number]): string =>
    `    pair ${p.number}: ${p.ends[0]} (end 1) - ${p.ends[1]} (end 2), UDP ${11000 + p.number}, 172.17.${p.number}.1 - 172.17.${p.number}.2`;
  const kept = r.gateways.filter((g) => r.keys.certificates.has(g.name)).map((g) => g.name);
  const noEku = kept.filter((name) => new X509Certificate(r.keys.certificates.get(name)!.certificate.pem).keyUsage === undefined);
  return [
    `imported ${folder} as mesh "${r.state.public.mesh}" into ${lansFile} and ${stateDir}/`,
    `  ${r.gateways.length} gateways, numbered in cache.txt order: ${r.gateways.map((g) => g.name).join(', ')}`,
    `  ${r.pairs.length} pairs kept with their numbers, ends, ports and tunnel addresses:`,
    ...r.pairs.map(pairLine),
    `  CA "${r.keys.caName}" kept; certificates and keys kept for: ${kept.join(', ') || 'none'}; next certificate serial ${r.state.public.ca!.nextSerial}`,
    ...[...r.keys.renewed].map(([name, why]) => `  ${name} gets a new key and certificate: ${why}`),
    ...(r.keys.revoked.length > 0 ? [`  revoked (in every bundle's CRL): ${r.keys.revoked.map((x) => `${x.name} (serial ${x.serial})`).join(', ')}`] : []),
    ...(noEku.length > 0
      ? [
          `  certificates without extendedKeyUsage, as P2P-VPN made them: ${noEku.join(', ')}; ` +
            'their peers verify them by name, CA and CRL (no remote-cert-tls) until "p2pvpn rotate --ca" reissues them',
        ]
      : []),
    ...(r.missingPairs.length > 0
      ? [
          `  pairs P2P-VPN never made get new numbers from ${r.state.public.nextPair} at the next generate: ` +
            r.missingPairs.map((p) => p.join(' - ')).join(', '),
        ]
      : []),
    'Every gateway needs its new bundle once: p2pvpn protects each link with a tls-crypt key, which P2P-VPN did not have.',
    `Check ${lansFile}: P2P-VPN did not record each gateway's address on its LAN, so .1 of its subnet was assumed.`,
    `Next: p2pvpn generate ${lansFile}`,
  ];
}
