import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './support/cli.js';
import { HELP_MARKER, helpOf, knownCommands } from './support/readmeHelp.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(HELP_MARKER)].map((m) => ({ command: m[1]!.trim(), text: m[2]! }));

describe("README's command reference", () => {
  it('has a --help block for the program and for every command commander knows, and no other', () => {
    assert.deepEqual(blocks.map((b) => b.command).sort(), ['', ...knownCommands()].sort());
  });

  it('has a section heading for every command', () => {
    for (const command of knownCommands()) assert.match(readme, new RegExp(`^### \`p2pvpn ${command}\\b`, 'm'), `no "### \`p2pvpn ${command}" heading`);
  });

  for (const { command, text } of blocks) {
    it(`shows what \`p2pvpn ${command}${command ? ' ' : ''}--help\` prints (npm run readme updates it)`, () => {
      assert.equal(text, helpOf(command));
    });
  }
});
