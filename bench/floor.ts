import { generateKeyPair, type KeyObject, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { RSA_BITS } from '../src/crypto/keys.js';
import { GZIP_LEVEL } from '../src/pack/tarball.js';
import type { Work } from './work.js';

const generateKeyPairAsync = promisify(generateKeyPair);
const randomBytesAsync = promisify(randomBytes);
const gzipAsync = promisify(gzip);
const signAsync = promisify(sign) as (alg: string, data: Buffer, key: KeyObject) => Promise<Buffer>;

/** A to-be-signed certificate body of a typical size; what is signed does not change the cost. */
const TBS = randomBytes(700);

/**
 * The work floor: the same cryptography and the same compression and writes,
 * done natively and all at once on libuv's thread pool (every core), with
 * nothing else. Returns milliseconds.
 */
export async function measureFloor(work: Work, signer: KeyObject): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'p2pvpn-floor-'));
  try {
    const start = process.hrtime.bigint();
    const compressedBytes = await Promise.all([
      ...times(work.rsaKeyPairs, () =>
        generateKeyPairAsync('rsa', {
          modulusLength: RSA_BITS,
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
          publicKeyEncoding: { type: 'spki', format: 'pem' },
        }),
      ),
      ...times(work.signatures, () => signAsync('sha256', TBS, signer)),
      ...times(work.x25519KeyPairs, () =>
        generateKeyPairAsync('x25519', { privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } }),
      ),
      ...randomInChunks(work.tlsCryptKeys * 256 + work.presharedKeys * 32),
      ...work.tars.map(async (tar, i) => {
        const gz = await gzipAsync(tar, { level: GZIP_LEVEL });
        await writeFile(join(dir, `${i}.tar.gz`), gz);
        return gz.length;
      }),
    ]).then((results) => results.reduce<number>((sum, r) => sum + (typeof r === 'number' ? r : 0), 0));
    // The rest of what the run wrote (state files) is written too.
    await writeFile(join(dir, 'state'), Buffer.alloc(Math.max(0, work.bytesWritten - compressedBytes)));
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function times<T>(n: number, fn: () => Promise<T>): Promise<T>[] {
  return Array.from({ length: n }, fn);
}

/** Random bytes in one request per core: the count of bytes is the work, not the count of calls. */
function randomInChunks(total: number): Promise<Buffer>[] {
  if (total === 0) return [];
  const cores = availableParallelism();
  const chunk = Math.ceil(total / cores);
  return times(cores, () => randomBytesAsync(chunk));
}
