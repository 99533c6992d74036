import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { browserSkipReason, screenshot } from './support/browser.js';
import { FIXTURES, runCli, withTempDir } from './support/cli.js';
import { decodePng, inkStats } from './support/png.js';

const skip = browserSkipReason();
const SIZE = { width: 900, height: 700 };

describe('the graph of a fixture mesh in headless Chromium', { skip }, () => {
  it('is drawn: lines, boxes and text over a good part of the page', () =>
    withTempDir((dir) => {
      copyFileSync(join(FIXTURES, 'example/lans.yaml'), join(dir, 'lans.yaml'));
      assert.equal(runCli(['graph', 'lans.yaml', '--quiet'], dir).code, 0);
      const png = join(dir, 'acme.png');
      screenshot(join(dir, 'out/acme.svg'), png, SIZE);
      assert.ok(existsSync(png) && statSync(png).size > 5000, 'no screenshot, or a tiny one');
      const image = decodePng(readFileSync(png));
      assert.deepEqual([image.width, image.height], [SIZE.width, SIZE.height]);
      const ink = inkStats(image);
      // Antialiased text and lines give many shades; a blank or failed page gives one or two.
      assert.ok(ink.distinctColours > 50, `only ${ink.distinctColours} colours`);
      assert.ok(ink.inkFraction > 0.02 && ink.inkFraction < 0.6, `ink covers ${(ink.inkFraction * 100).toFixed(1)}% of the page`);
      assert.ok(ink.box.width > 300 && ink.box.height > 250, `drawing spans only ${ink.box.width}x${ink.box.height}px`);
    }));

  it('tells a drawing from a blank SVG (the check above can fail)', () =>
    withTempDir((dir) => {
      writeFileSync(
        join(dir, 'blank.svg'),
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300" fill="white"/></svg>',
      );
      screenshot(join(dir, 'blank.svg'), join(dir, 'blank.png'), SIZE);
      const ink = inkStats(decodePng(readFileSync(join(dir, 'blank.png'))));
      assert.ok(ink.distinctColours <= 2 && ink.inkFraction < 0.001, JSON.stringify(ink));
    }));
});
