import type { BundleFacts } from './facts.js';

/** A file of a bundle, before rendering: either a template with its view, or literal content (keys, certificates). */
export type PlannedFile = { path: string; mode: number; template: string; view: object } | { path: string; mode: number; content: string };

/** Everything one gateway's tarball will hold, as data. */
export interface BundlePlan {
  lan: string;
  files: PlannedFile[];
  /** What the bundle's files say of its peers, ports and keys (but those of the peers in `omit`), worked out when a change must be explained. */
  facts(omit?: ReadonlySet<string>): BundleFacts;
}

export const MODE_SECRET = 0o600;
export const MODE_SCRIPT = 0o755;
export const MODE_PUBLIC = 0o644;
