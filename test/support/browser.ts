import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env['P2PVPN_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Why browser tests cannot run here, or undefined when they can. CI sets
 * P2PVPN_BROWSER=required so a missing Chromium fails instead of skipping.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env['P2PVPN_BROWSER'] === 'required') throw new Error(`P2PVPN_BROWSER=required but ${CHROMIUM} is missing (apt-get install chromium)`);
  return `${CHROMIUM} not found: install Debian's chromium package (P2PVPN_BROWSER=required makes this a failure)`;
}

/** Screenshots a local file in headless Chromium, offline and with a throwaway profile. */
export function screenshot(file: string, png: string, size: { width: number; height: number }): void {
  const profile = mkdtempSync(join(tmpdir(), 'p2pvpn-chromium-'));
  try {
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      `--screenshot=${png}`,
      `--window-size=${size.width},${size.height}`,
      pathToFileURL(file).href,
    ];
    const r = spawnSync(CHROMIUM, args, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`chromium exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
