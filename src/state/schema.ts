import { z } from 'zod';
import { GATEWAY_ID_PATTERN, NAME_PATTERN } from '../model/schema.js';
import { fastCheck } from './fastCheck.js';

/**
 * The shape of mesh.json and secrets.json, the one place it is written: the
 * types (./types.ts) are inferred from it and the quick check is compiled
 * from it. Values from the state reach generated files (public keys,
 * certificates, secrets), so they are checked like input. Messages never
 * include a value: some of these are secrets. Only what could reach a
 * generated file or break numbering is checked; other keys are left alone.
 */

export const STATE_VERSION = 3;

const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
/** One PEM block and nothing else: no line of it can become a directive in a file it is copied to. */
const pemPattern = (label: string): RegExp => new RegExp(`^-----BEGIN (${label})-----\\n([A-Za-z0-9+/=]{1,64}\\n)+-----END \\1-----\\n?$`);

const name = z.string().regex(NAME_PATTERN, { error: 'is not a LAN name p2pvpn writes' });
/** Records are kept per gateway: a LAN's name, or <lan>-<gateway> for one of several. */
const id = z.string().regex(GATEWAY_ID_PATTERN, { error: 'is not a LAN name p2pvpn writes' });
const count = z.int({ error: 'expected a whole number' }).min(1, { error: 'must be at least 1' });
const serial = z.int({ error: 'expected a whole number' }).min(0, { error: 'must not be negative' });
const isoDate = z.iso.datetime({ error: 'expected a date like 2026-01-31T12:00:00.000Z' });
const base64Key = z.string().regex(BASE64_KEY, { error: 'is not a base64 32-byte key' });
const privateKey = z.string().regex(pemPattern('PRIVATE KEY|RSA PRIVATE KEY'), { error: 'is not a PEM private key' });
const tlsCrypt = z
  .string()
  .regex(/^-----BEGIN OpenVPN Static key V1-----\n([0-9a-f]{32}\n){16}-----END OpenVPN Static key V1-----\n$/, { error: 'is not an OpenVPN static key' });

export const CertRecordSchema = z.object({
  pem: z.string().regex(pemPattern('CERTIFICATE'), { error: 'is not a PEM certificate' }),
  serial,
  notBefore: isoDate,
  notAfter: isoDate,
});
/** An imported CA's serial may not fit a JSON number, so it may be absent; p2pvpn never needs it. */
const CaCertRecordSchema = CertRecordSchema.extend({ serial: serial.optional() });
/** A gateway's record, under its id; `lan` names the LAN of one of several (a LAN's only gateway is recorded under the LAN's name). */
export const LanRecordSchema = z.object({ number: count, lan: name.optional(), certificate: CertRecordSchema.optional(), wgPublicKey: base64Key.optional() });
export const RetiredLanSchema = z.object({ number: count, serial: serial.optional() });
/** End 1 first: the LAN with the lower number, or the one P2P-VPN named first for an imported pair. */
export const PairRecordSchema = z.object({ number: count, lans: z.tuple([id, id]) });

/** What is checked of mesh.json once parseStateFile has checked its kind and version. */
export const PublicStateSchema = z.object({
  mesh: name,
  nextLan: count,
  nextPair: count,
  lans: z.record(id, LanRecordSchema),
  retired: z.record(id, RetiredLanSchema),
  pairs: z.array(PairRecordSchema),
  /** The CA that issues every gateway certificate. `number` counts the CAs the mesh has had (absent: the first). */
  ca: z.object({ certificate: CaCertRecordSchema, nextSerial: serial, number: count.optional() }).optional(),
  /**
   * The next CA, made ahead and shipped in every bundle's keys/ca.crt before it
   * issues anything (pre-publication, as in DNSSEC key rollovers): when
   * `rotate --ca` makes it the CA, every gateway already trusts it.
   */
  standbyCa: z.object({ certificate: CertRecordSchema, number: count }).optional(),
  /** During a CA rotation: the CA it replaced, still trusted, and the certificates it had issued to the active LANs. */
  retiringCa: z.object({ certificate: CaCertRecordSchema, since: isoDate, certificates: z.record(id, CertRecordSchema) }).optional(),
  /**
   * After a rotation: the last CRL of the CA it replaced, revoking everything
   * that CA issued, signed when the rotation finished (its key is gone).
   * Tunnels started during the rotation still trust that CA until they
   * restart, and OpenVPN re-reads only the CRL; the next rotation drops it.
   */
  formerCaCrl: z.string().regex(pemPattern('X509 CRL'), { error: 'is not a PEM certificate revocation list' }).optional(),
  revoked: z.array(z.object({ serial, name: id, date: isoDate })),
});

export const SecretStateSchema = z.object({
  caKey: privateKey.optional(),
  standbyCaKey: privateKey.optional(),
  retiringCaKey: privateKey.optional(),
  lans: z.record(id, z.object({ key: privateKey.optional(), wgPrivateKey: base64Key.optional() })),
  pairs: z.record(z.string().regex(/^[1-9][0-9]*$/, { error: 'is not a pair number' }), z.object({ psk: base64Key.optional(), tlsCrypt: tlsCrypt.optional() })),
});

/** The header both files carry, checked by parseStateFile before the shape: kind and version, and the generation of the save. */
const header = <K extends string>(kind: K) => ({
  version: z.literal(STATE_VERSION),
  kind: z.literal(kind),
  /** Bumped by every save, in both files: a pair of files with different generations was torn by a crash. */
  generation: z.number(),
});

/** The whole files, header included: what the state's types are inferred from. */
export const PublicStateFileSchema = PublicStateSchema.extend(header('p2pvpn-state'));
export const SecretStateFileSchema = SecretStateSchema.extend(header('p2pvpn-secrets'));

/** The checked shapes as plain loops: a sound state passes these and never pays for zod. */
export const isPublicStateShape = fastCheck(PublicStateSchema);
export const isSecretStateShape = fastCheck(SecretStateSchema);
