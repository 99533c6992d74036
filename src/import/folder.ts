/**
 * One name in a P2P-VPN working folder, as found: a regular file's text, a
 * symlink's target (never followed), or something else. Read by
 * io/ancestorFolder.ts; every judgement of what is acceptable is made here, in src/import.
 */
export type FolderEntry = { kind: 'file'; text: string } | { kind: 'symlink'; target: string } | { kind: 'too-large' } | { kind: 'other'; what: string };

/** A sub-folder (servers/, keys/): its entries by name, or what stands there instead of a folder. */
export type SubFolder = { kind: 'folder'; entries: Map<string, FolderEntry> } | { kind: 'missing' } | { kind: 'not-folder'; found: FolderEntry };

/** The raw contents of a P2P-VPN working folder that `import` reads. */
export interface AncestorFolder {
  dir: string;
  cache?: FolderEntry;
  pairId?: FolderEntry;
  servers: SubFolder;
  keys: SubFolder;
}
