import { createRequire } from 'node:module';
import type Forge from 'node-forge';

let loaded: typeof Forge | undefined;

/**
 * node-forge, loaded on first use: WireGuard meshes never need it, and
 * loading it costs more CPU than a whole WireGuard build of a few LANs.
 */
export function nodeForge(): typeof Forge {
  return (loaded ??= createRequire(import.meta.url)('node-forge') as typeof Forge);
}
