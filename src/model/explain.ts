/**
 * Why a value failed its pattern, in words: the schema keeps the regular
 * expressions (they are exported as JSON Schema for editors), these say which
 * part is wrong and what would be right.
 */
import { IPV4_PATTERN } from './net.js';

const NAME_MAX = 11;
const TEXT_MAX = 64;

/** The first character of `value` that `allowed` refuses, described so a terminal shows it. */
function describeChar(c: string): string {
  if (c === '\n' || c === '\r') return 'a line break';
  if (c === '\t') return 'a tab';
  if (c === ' ') return 'a space';
  const code = c.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  if (code > 0x7e) return `the non-ASCII character "${c}" (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  return `"${c}"`;
}

function firstRefused(value: string, allowed: RegExp): string | undefined {
  for (const c of value) if (!allowed.test(c)) return c;
  return undefined;
}

/** LAN and mesh names: they become file, interface and certificate names unquoted. */
export function nameProblem(input: unknown): string {
  const rule = `names are 1 to ${NAME_MAX} lowercase letters, digits and "-", like "branch-2"`;
  if (typeof input !== 'string') return 'expected a name';
  const bad = firstRefused(input, /[a-z0-9-]/);
  if (bad !== undefined) return /[A-Z]/.test(bad) ? `"${input}" has uppercase letters, ${rule}` : `contains ${describeChar(bad)}, ${rule}`;
  if (input.length === 0) return `is empty, ${rule}`;
  if (input.length > NAME_MAX)
    return `"${input}" is ${input.length} characters, at most ${NAME_MAX} so that "vpn-" and the name fit Linux's 15-character interface names`;
  if (!/^[a-z]/.test(input)) return `"${input}" does not start with a letter, ${rule}`;
  return `"${input}" ends with "-", ${rule}`;
}

/** Free text (descriptions, organisation): one printable line with no quoting or comment characters. */
export function textProblem(input: unknown, allowed: RegExp, allowedText: string): string {
  if (typeof input !== 'string') return 'expected text';
  const bad = firstRefused(input, allowed);
  if (bad !== undefined) return `contains ${describeChar(bad)}, text may hold only letters, digits, spaces and ${allowedText}`;
  if (input.length === 0 || input.length > TEXT_MAX) return `is ${input.length} characters, text must be 1 to ${TEXT_MAX}`;
  return `starts with "${input[0]}", text must start with a letter or digit`;
}

/** Dotted-quad IPv4: exactly four decimal numbers 0-255 without leading zeros. */
export function ipv4Problem(input: unknown): string {
  if (typeof input !== 'string') return 'expected an IPv4 address';
  if (input.includes('/')) return `"${input}" has a prefix length, give a single address like 192.168.1.1`;
  return `"${input}" ${quadFault(input)}, give a dotted-quad IPv4 address like 192.168.1.1`;
}

/** A subnet: a dotted quad and a prefix length 0-32. */
export function cidrProblem(input: unknown): string {
  if (typeof input !== 'string') return 'expected a subnet';
  const [ip, len, ...rest] = input.split('/');
  const right = 'write a subnet like 10.1.0.0/16';
  if (len === undefined) return IPV4_PATTERN.test(input) ? `"${input}" has no prefix length, ${right}` : `"${input}" ${quadFault(input)}, ${right}`;
  if (rest.length > 0) return `"${input}" has more than one "/", ${right}`;
  if (!IPV4_PATTERN.test(ip!)) return `"${input}" ${quadFault(ip!)}, ${right}`;
  return `"${input}" has prefix length "${len}", it must be a number from 0 to 32; ${right}`;
}

function quadFault(ip: string): string {
  const bad = firstRefused(ip, /[0-9.]/);
  if (bad !== undefined) return `contains ${describeChar(bad)}`;
  const parts = ip.split('.');
  if (parts.length !== 4) return `has ${parts.length} ${parts.length === 1 ? 'part' : 'parts'} instead of four`;
  if (parts.some((p) => p === '')) return 'has an empty part';
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return 'has a leading zero (some tools read it as octal)';
  return 'has a part above 255';
}

/** Only digits and dots, or hex-looking labels ending in a digit label: resolvers read these as (odd) IPv4 addresses. */
const NUMERIC_LOOKING = /^[0-9.]+$|^[0-9a-fA-FxX.]*(^|\.)[0-9][0-9a-fA-FxX]*$/;

/** An endpoint that is neither a DNS name nor a strict IPv4 address. */
export function endpointProblem(input: string): string {
  const right = 'give a DNS name like vpn.example.com or an IPv4 address like 203.0.113.10';
  const bad = firstRefused(input, /[A-Za-z0-9.-]/);
  if (bad !== undefined) return `contains ${describeChar(bad)}, ${right}`;
  if (NUMERIC_LOOKING.test(input)) return `"${input}" looks like an IPv4 address but ${quadFault(input)}, write it as four decimal numbers like 203.0.113.10`;
  if (input.endsWith('.')) return `"${input}" ends with ".", write the name without it`;
  if (input.length > 253) return `is ${input.length} characters, a DNS name has at most 253`;
  const labels = 'labels of 1 to 63 letters, digits and "-", not starting or ending with "-", the last one starting with a letter';
  return `"${input}" is not a DNS name (${labels}), ${right}`;
}
