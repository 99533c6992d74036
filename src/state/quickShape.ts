import { NAME_PATTERN } from '../validate/schema.js';
import { BASE64_KEY, CERTIFICATE_PEM, CRL_PEM, ISO_DATE, PAIR_NUMBER, PRIVATE_KEY_PEM, TLS_CRYPT_KEY } from './schema.js';

/**
 * PublicStateSchema and SecretStateSchema (./schema.ts) as plain loops over
 * the same patterns. zod spends microseconds on each of the 20,000 links of a
 * 200-LAN state; these take a fraction of that. True only where zod accepts
 * the value too; on false, zod runs and says what is wrong.
 * test/state-shape.test.ts holds both to the same answers on damaged states.
 */
export function isPublicStateShape(value: unknown): boolean {
  if (!isObject(value)) return false;
  const { mesh, nextLan, nextPair, lans, retired, pairs, ca, standbyCa, retiringCa, formerCaCrl, revoked } = value;
  return (
    isName(mesh) && isCount(nextLan) && isCount(nextPair) &&
    isRecordOf(lans, NAME_PATTERN, (l) => isCount(l['number']) && optional(l['certificate'], (c) => isObject(c) && isCertificate(c)) && optional(l['wgPublicKey'], isBase64Key)) &&
    isRecordOf(retired, NAME_PATTERN, (r) => isCount(r['number']) && optional(r['serial'], isSerial)) &&
    isArrayOf(pairs, (p) => isCount(p['number']) && isNamePair(p['lans'])) &&
    optional(ca, (c) => isObject(c) && isObject(c['certificate']) && isCertificate(c['certificate'], true) && isSerial(c['nextSerial']) && optional(c['number'], isCount)) &&
    optional(standbyCa, (c) => isObject(c) && isObject(c['certificate']) && isCertificate(c['certificate']) && isCount(c['number'])) &&
    optional(formerCaCrl, (c) => matches(c, CRL_PEM)) &&
    optional(retiringCa, (c) => isObject(c) && isObject(c['certificate']) && isCertificate(c['certificate'], true) && matches(c['since'], ISO_DATE) && isRecordOf(c['certificates'], NAME_PATTERN, (r) => isCertificate(r))) &&
    isArrayOf(revoked, (r) => isSerial(r['serial']) && isName(r['name']) && matches(r['date'], ISO_DATE))
  );
}

export function isSecretStateShape(value: unknown): boolean {
  if (!isObject(value)) return false;
  const { caKey, standbyCaKey, retiringCaKey, lans, pairs } = value;
  return (
    [caKey, standbyCaKey, retiringCaKey].every((key) => optional(key, (k) => matches(k, PRIVATE_KEY_PEM))) &&
    isRecordOf(lans, NAME_PATTERN, (l) => optional(l['key'], (k) => matches(k, PRIVATE_KEY_PEM)) && optional(l['wgPrivateKey'], isBase64Key)) &&
    isRecordOf(pairs, PAIR_NUMBER, (p) => optional(p['psk'], isBase64Key) && optional(p['tlsCrypt'], (k) => matches(k, TLS_CRYPT_KEY)))
  );
}

type Fields = Record<string, unknown>;

/** zod's objects and records both take any non-array object; state files come from JSON.parse, so every object is plain. */
function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isRecordOf(v: unknown, key: RegExp, each: (value: Fields) => boolean): boolean {
  if (!isObject(v)) return false;
  return Object.keys(v).every((k) => key.test(k) && isObject(v[k]) && each(v[k]));
}

function isArrayOf(v: unknown, each: (value: Fields) => boolean): boolean {
  return Array.isArray(v) && v.every((item) => isObject(item) && each(item));
}

function isCertificate(c: Fields, serialOptional = false): boolean {
  return matches(c['pem'], CERTIFICATE_PEM) && (serialOptional ? optional(c['serial'], isSerial) : isSerial(c['serial'])) && matches(c['notBefore'], ISO_DATE) && matches(c['notAfter'], ISO_DATE);
}

const optional = <T>(v: unknown, check: (v: T) => boolean): boolean => v === undefined || check(v as T);
const matches = (v: unknown, pattern: RegExp): boolean => typeof v === 'string' && pattern.test(v);
const isName = (v: unknown): boolean => matches(v, NAME_PATTERN);
const isBase64Key = (v: unknown): boolean => matches(v, BASE64_KEY);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 1;
const isSerial = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isNamePair = (v: unknown): boolean => Array.isArray(v) && v.length === 2 && isName(v[0]) && isName(v[1]);
