import { z } from 'zod';
import { NAME_PATTERN } from '../validate/schema.js';

/**
 * The shape of mesh.json and secrets.json. Values from the state reach
 * generated files (public keys, certificates, secrets), so they are checked
 * like input. Messages never include a value: some of these are secrets.
 */

const name = z.string().regex(NAME_PATTERN, { error: 'is not a LAN name p2pvpn writes' });
const count = z.int({ error: 'expected a whole number' }).min(1, { error: 'must be at least 1' });
const serial = z.int({ error: 'expected a whole number' }).min(1, { error: 'must be at least 1' });
const isoDate = z.iso.datetime({ error: 'expected a date like 2026-01-31T12:00:00.000Z' });
const base64Key = z.string().regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, { error: 'is not a base64 32-byte key' });
const pem = (label: string) =>
  z.string().regex(new RegExp(`^-----BEGIN ${label}-----\\n([A-Za-z0-9+/=]{1,64}\\n)+-----END ${label}-----\\n?$`), { error: `is not a PEM ${label.toLowerCase()}` });
const tlsCrypt = z.string().regex(/^-----BEGIN OpenVPN Static key V1-----\n([0-9a-f]{32}\n){16}-----END OpenVPN Static key V1-----\n$/, { error: 'is not an OpenVPN static key' });

const CertRecordSchema = z.strictObject({ pem: pem('CERTIFICATE'), serial, notBefore: isoDate, notAfter: isoDate });

export const PublicStateSchema = z.strictObject({
  version: z.literal(1),
  kind: z.literal('p2pvpn-state'),
  mesh: name,
  nextLan: count,
  nextPair: count,
  lans: z.record(name, z.strictObject({ number: count, certificate: CertRecordSchema.optional(), wgPublicKey: base64Key.optional() })),
  retired: z.record(name, z.strictObject({ number: count, serial: serial.optional() })),
  pairs: z.array(z.strictObject({ number: count, lans: z.tuple([name, name]) })),
  ca: z.strictObject({ certificate: CertRecordSchema, nextSerial: serial }).optional(),
  revoked: z.array(z.strictObject({ serial, name, date: isoDate })),
});

export const SecretStateSchema = z.strictObject({
  version: z.literal(1),
  kind: z.literal('p2pvpn-secrets'),
  caKey: pem('PRIVATE KEY').optional(),
  lans: z.record(name, z.strictObject({ key: pem('PRIVATE KEY').optional(), wgPrivateKey: base64Key.optional() })),
  pairs: z.record(z.string().regex(/^[1-9][0-9]*$/, { error: 'is not a pair number' }), z.strictObject({ psk: base64Key.optional(), tlsCrypt: tlsCrypt.optional() })),
});
