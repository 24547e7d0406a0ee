// Renders the app's PNG icons from public/icons/icon.svg in headless Chromium (run once after the
// SVG changes: `node scripts/icons.mjs`; the PNGs are committed). Installing needs PNGs of 192 and
// 512 px; the maskable ones put the icon inside the safe zone (the central circle of 80 % diameter
// a platform may crop to) on a full-bleed background of the icon's own colour.
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from './chromium.mjs';

const dir = new URL('../public/icons', import.meta.url);
const svg = readFileSync(new URL('icon.svg', dir), 'utf8');
const background = /<rect[^>]*fill="(#[0-9a-f]{6})"/i.exec(svg)?.[1];
if (!background) throw new Error('icon.svg: expected a <rect> background with a #rrggbb fill');

const icons = [
  { file: 'icon-192.png', size: 192 },
  { file: 'icon-512.png', size: 512 },
  { file: 'maskable-192.png', size: 192, maskable: true },
  { file: 'maskable-512.png', size: 512, maskable: true },
];

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buffer) {
  if (buffer.toString('latin1', 1, 4) !== 'PNG') throw new Error('not a PNG');
  return [buffer.readUInt32BE(16), buffer.readUInt32BE(20)];
}

const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs(), headless: true });
try {
  for (const { file, size, maskable } of icons) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    // The whole square icon scaled to 80 % fits the safe zone's glyph area with room to spare.
    const inner = maskable ? Math.round(size * 0.8) : size;
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(`<!doctype html><style>
      html, body { margin: 0; width: ${size}px; height: ${size}px; background: ${maskable ? background : 'transparent'}; }
      body { display: grid; place-items: center; }
      img { width: ${inner}px; height: ${inner}px; display: block; }
    </style><img src="${src}" alt="">`);
    await page.locator('img').evaluate((img) => img.decode());
    const png = await page.screenshot({ omitBackground: !maskable });
    const [w, h] = pngSize(png);
    if (w !== size || h !== size) throw new Error(`${file}: rendered ${w}×${h}, expected ${size}×${size}`);
    writeFileSync(new URL(file, dir), png);
    console.log(`public/icons/${file} ${size}×${size} ${png.length} bytes`);
    await page.close();
  }
} finally {
  await browser.close();
}
