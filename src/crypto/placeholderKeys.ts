import { generateKeyPairSync } from 'node:crypto';
import type { KeySource } from './keys.js';

/**
 * Key material for `plan`, which must show what generate would write without
 * creating a single secret of the mesh. New LANs and links need keys only to
 * be rendered: zeros for random bytes and WireGuard keys, and one throwaway
 * RSA key for every certificate, made once and kept in memory only. Bundles
 * that get new material are new or changed anyway (new LAN, new link), so the
 * new/changed/unchanged verdict is the same as generate's.
 */
export function placeholderKeySource(): KeySource {
  let rsa: { privatePem: string; publicPem: string } | undefined;
  return {
    rsaKeyPair() {
      rsa ??= throwawayRsa();
      return Promise.resolve(rsa);
    },
    x25519KeyPair() {
      const zero = Buffer.alloc(32).toString('base64');
      return { privateKey: zero, publicKey: zero };
    },
    randomBytes(size) {
      return Buffer.alloc(size);
    },
  };
}

/** Small, since nothing it signs leaves the process: it only has to make certificates parse. */
function throwawayRsa(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}
