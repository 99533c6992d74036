import { z } from 'zod';
import { NAME_PATTERN } from '../validate/schema.js';

/**
 * The shape of mesh.json and secrets.json. Values from the state reach
 * generated files (public keys, certificates, secrets), so they are checked
 * like input. Messages never include a value: some of these are secrets.
 * Only what could reach a generated file or break numbering is checked;
 * other keys are left alone (the version check is parseStateFile's).
 */

/** The patterns the schemas check, shared with the plain-loop check in ./quickShape.ts. */
export const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
/** One PEM block and nothing else: no line of it can become a directive in a file it is copied to. */
const pemPattern = (label: string): RegExp => new RegExp(`^-----BEGIN (${label})-----\\n([A-Za-z0-9+/=]{1,64}\\n)+-----END \\1-----\\n?$`);
export const PRIVATE_KEY_PEM = pemPattern('PRIVATE KEY|RSA PRIVATE KEY');
export const CERTIFICATE_PEM = pemPattern('CERTIFICATE');
export const CRL_PEM = pemPattern('X509 CRL');
export const TLS_CRYPT_KEY = /^-----BEGIN OpenVPN Static key V1-----\n([0-9a-f]{32}\n){16}-----END OpenVPN Static key V1-----\n$/;
export const PAIR_NUMBER = /^[1-9][0-9]*$/;

const name = z.string().regex(NAME_PATTERN, { error: 'is not a LAN name p2pvpn writes' });
const count = z.int({ error: 'expected a whole number' }).min(1, { error: 'must be at least 1' });
const serial = z.int({ error: 'expected a whole number' }).min(0, { error: 'must not be negative' });
const isoDate = z.iso.datetime({ error: 'expected a date like 2026-01-31T12:00:00.000Z' });
/** zod's own pattern for the dates above, so the plain-loop check accepts exactly the same dates. */
export const ISO_DATE: RegExp = isoDate.def.pattern!;
const base64Key = z.string().regex(BASE64_KEY, { error: 'is not a base64 32-byte key' });
const privateKey = z.string().regex(PRIVATE_KEY_PEM, { error: 'is not a PEM private key' });
const tlsCrypt = z.string().regex(TLS_CRYPT_KEY, { error: 'is not an OpenVPN static key' });

const CertRecordSchema = z.object({ pem: z.string().regex(CERTIFICATE_PEM, { error: 'is not a PEM certificate' }), serial, notBefore: isoDate, notAfter: isoDate });
const CaCertRecordSchema = CertRecordSchema.extend({ serial: serial.optional() });

export const PublicStateSchema = z.object({
  mesh: name,
  nextLan: count,
  nextPair: count,
  lans: z.record(name, z.object({ number: count, certificate: CertRecordSchema.optional(), wgPublicKey: base64Key.optional() })),
  retired: z.record(name, z.object({ number: count, serial: serial.optional() })),
  pairs: z.array(z.object({ number: count, lans: z.tuple([name, name]) })),
  // An imported CA's serial may not fit a JSON number, so it may be absent.
  ca: z.object({ certificate: CaCertRecordSchema, nextSerial: serial, number: count.optional() }).optional(),
  standbyCa: z.object({ certificate: CertRecordSchema, number: count }).optional(),
  retiringCa: z.object({ certificate: CaCertRecordSchema, since: isoDate, certificates: z.record(name, CertRecordSchema) }).optional(),
  formerCaCrl: z.string().regex(CRL_PEM, { error: 'is not a PEM certificate revocation list' }).optional(),
  revoked: z.array(z.object({ serial, name, date: isoDate })),
});

export const SecretStateSchema = z.object({
  caKey: privateKey.optional(),
  standbyCaKey: privateKey.optional(),
  retiringCaKey: privateKey.optional(),
  lans: z.record(name, z.object({ key: privateKey.optional(), wgPrivateKey: base64Key.optional() })),
  pairs: z.record(z.string().regex(PAIR_NUMBER, { error: 'is not a pair number' }), z.object({ psk: base64Key.optional(), tlsCrypt: tlsCrypt.optional() })),
});
