/**
 * The little DER (ITU-T X.690) that p2pvpn reads and writes without
 * node-forge: RSA keys for the state's key checks, the CA certificate's
 * names and dates and the CRL. forge costs ~60 ms to load, more than a warm
 * run of a small mesh spends on everything else.
 */

/** One element: its tag, where it begins, and where its contents lie. */
export interface Element {
  tag: number;
  at: number;
  start: number;
  end: number;
}

export const TAG = { INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06, UTC_TIME: 0x17, GENERALIZED_TIME: 0x18, SEQUENCE: 0x30 } as const;

/** The element at `at`, whose contents must end by `limit`; definite lengths only, as DER requires. */
export function readElement(der: Buffer, at: number, limit: number = der.length): Element {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 3 || start + bytes > limit) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > limit) throw new Error('truncated DER');
  return { tag, at, start, end: start + length };
}

/** The outermost element, which must span the whole buffer. */
export function readWhole(der: Buffer): Element {
  const el = readElement(der, 0);
  if (el.end !== der.length) throw new Error('trailing bytes after the DER element');
  return el;
}

export function childrenOf(der: Buffer, parent: Element): Element[] {
  const children: Element[] = [];
  for (let at = parent.start; at < parent.end; at = children[children.length - 1]!.end) children.push(readElement(der, at, parent.end));
  return children;
}

export function contents(der: Buffer, el: Element): Buffer {
  return der.subarray(el.start, el.end);
}

/** The element with its header, as it appears in the buffer. */
export function encoded(der: Buffer, el: Element): Buffer {
  return der.subarray(el.at, el.end);
}

/** UTCTime or GeneralizedTime in the forms RFC 5280 4.1.2.5 allows (seconds, "Z"). */
export function readTime(der: Buffer, el: Element): Date {
  const text = contents(der, el).toString('latin1');
  const utc = el.tag === TAG.UTC_TIME && /^(\d\d)(\d{10})Z$/.exec(text);
  const generalized = el.tag === TAG.GENERALIZED_TIME && /^(\d{4})(\d{10})Z$/.exec(text);
  const match = utc || generalized;
  if (!match) throw new Error('not an RFC 5280 time');
  const year = utc ? Number(match[1]) + (Number(match[1]) >= 50 ? 1900 : 2000) : Number(match[1]);
  const [month, day, hours, minutes, seconds] = match[2]!.match(/\d\d/g)!.map(Number);
  return new Date(Date.UTC(year, month! - 1, day!, hours!, minutes!, seconds!));
}

/** One element from its tag and contents, with the shortest length form. */
export function tlv(tag: number, body: Buffer): Buffer {
  const length: number[] = [];
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) length.unshift(n % 256);
  const header = body.length < 0x80 ? [tag, body.length] : [tag, 0x80 | length.length, ...length];
  return Buffer.concat([Buffer.from(header), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items));

/** An INTEGER from its big-endian two's complement bytes, given as hex. */
export const integerHex = (hex: string): Buffer => tlv(TAG.INTEGER, Buffer.from(hex, 'hex'));

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5), both to the second. */
export function time(date: Date): Buffer {
  const two = (n: number): string => String(n).padStart(2, '0');
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  const year = date.getUTCFullYear();
  return year < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(`${String(year).slice(2)}${rest}`, 'latin1')) : tlv(TAG.GENERALIZED_TIME, Buffer.from(`${year}${rest}`, 'latin1'));
}
