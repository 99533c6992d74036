import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Where key material comes from: the real one uses node:crypto, tests may pass their own. */
export interface KeySource {
  /** An RSA key pair as PEM (PKCS#8 private, SPKI public). */
  rsaKeyPair(): Promise<{ privatePem: string; publicPem: string }>;
  /** A WireGuard key pair as base64 raw 32-byte keys. */
  x25519KeyPair(): { privateKey: string; publicKey: string };
  randomBytes(size: number): Buffer;
}

export const RSA_BITS = 2048;

/** Native key generation; RSA runs on libuv's thread pool, so concurrent calls use every core. */
export const nodeKeySource: KeySource = {
  async rsaKeyPair() {
    const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
      modulusLength: RSA_BITS,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    return { privatePem: privateKey, publicPem: publicKey };
  },
  x25519KeyPair() {
    // DER export, not JWK: JWK export can deadlock on Node 20. The raw key is the last 32 bytes.
    const { privateKey, publicKey } = generateKeyPairSync('x25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      publicKeyEncoding: { type: 'spki', format: 'der' },
    });
    return { privateKey: privateKey.subarray(-32).toString('base64'), publicKey: publicKey.subarray(-32).toString('base64') };
  },
  randomBytes(size) {
    return randomPool.take(size);
  },
};

const POOL_SIZE = 64 * 1024;

/**
 * Thousands of 32- and 256-byte link keys, drawn from the CSPRNG 64 KiB at a
 * time: one call per key costs more than the randomness. A used-up pool is
 * replaced, never refilled, so no key handed out ever changes.
 */
const randomPool = {
  buffer: Buffer.alloc(0),
  offset: 0,
  take(size: number): Buffer {
    if (size > POOL_SIZE) return randomBytes(size);
    if (this.offset + size > this.buffer.length) [this.buffer, this.offset] = [randomBytes(POOL_SIZE), 0];
    this.offset += size;
    return this.buffer.subarray(this.offset - size, this.offset);
  },
};

/** A WireGuard preshared key: 32 random bytes, base64. */
export function presharedKey(keys: KeySource): string {
  return keys.randomBytes(32).toString('base64');
}

/** An OpenVPN tls-crypt key: 2048 random bits in OpenVPN's static key file format. */
export function tlsCryptKey(keys: KeySource): string {
  const hex = keys.randomBytes(256).toString('hex');
  const lines = hex.match(/.{32}/g)!;
  return ['-----BEGIN OpenVPN Static key V1-----', ...lines, '-----END OpenVPN Static key V1-----', ''].join('\n');
}
