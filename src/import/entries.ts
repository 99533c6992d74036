import type { FolderEntry, SubFolder } from './folder.js';

/** A problem found in the folder, as `path[:line]: message`; printed escaped, since it echoes the folder's text. */
export type ImportProblems = string[];

/**
 * The text of a regular file of the folder, or undefined with the problem
 * said exactly: a symlink is named as one (import never follows a link out
 * of the folder), as is anything else standing where a file should be.
 */
export function fileText(entry: FolderEntry | undefined, path: string, problems: ImportProblems, whenMissing: string): string | undefined {
  if (entry === undefined) {
    problems.push(`${path}: missing; ${whenMissing}`);
    return undefined;
  }
  if (entry.kind === 'file') return entry.text;
  problems.push(`${path}: ${notAFile(entry)}`);
  return undefined;
}

/** Why an entry that is not a regular file cannot be read as one. */
export function notAFile(entry: Exclude<FolderEntry, { kind: 'file' }>): string {
  switch (entry.kind) {
    case 'symlink':
      return `is a symlink (to "${entry.target}"), not a regular file; import reads only the folder's own files, so copy the file itself there`;
    case 'too-large':
      return 'is larger than 1 MiB, not a P2P-VPN file';
    case 'other':
      return `is not a regular file (${entry.what})`;
  }
}

/** A sub-folder's entries; a symlinked folder is refused like a symlinked file. */
export function folderEntries(folder: SubFolder, path: string, problems: ImportProblems, whenMissing: string): Map<string, FolderEntry> {
  if (folder.kind === 'folder') return folder.entries;
  if (folder.kind === 'missing') problems.push(`${path}/: missing; ${whenMissing}`);
  else if (folder.found.kind === 'symlink')
    problems.push(
      `${path}/: is a symlink (to "${folder.found.target}"), not a folder; import reads only the folder's own files, so copy that folder itself there`,
    );
  else problems.push(`${path}/: is not a folder (${folder.found.kind === 'other' ? folder.found.what : 'a large file'})`);
  return new Map();
}
