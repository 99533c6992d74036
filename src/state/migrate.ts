import { STATE_VERSION } from './types.js';

type Json = Record<string, unknown>;

/** One step of the state format: turns a file of version `from` into version `from + 1`. */
export interface Migration {
  from: number;
  why: string;
  public(value: Json): Json;
  secrets(value: Json): Json;
}

/**
 * Every format change since version 1, oldest first. A file is upgraded by
 * running each step from its version on; a new format adds one entry here
 * and bumps STATE_VERSION.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    why: 'both files carry a generation, so a pair torn by a crash is detected',
    public: (v) => ({ ...v, version: 2, generation: 0 }),
    secrets: (v) => ({ ...v, version: 2, generation: 0 }),
  },
  {
    from: 2,
    why: 'the standby CA and a CA rotation in progress are recorded, which an older p2pvpn would drop on its next save',
    public: (v) => ({ ...v, version: 3 }),
    secrets: (v) => ({ ...v, version: 3 }),
  },
];

export const OLDEST_VERSION = MIGRATIONS[0]?.from ?? STATE_VERSION;

/** Brings a parsed state file of any known version up to STATE_VERSION. */
export function upgrade(value: Json, which: 'public' | 'secrets', migrations: readonly Migration[] = MIGRATIONS): Json {
  let current = value;
  for (const step of migrations) {
    if (current['version'] === step.from) current = step[which](current);
  }
  return current;
}
