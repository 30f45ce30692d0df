// Drives Debian's chromium (headless, through playwright-core, which
// downloads no browser) over a site sitegen built, and prints a JSON report:
// per page, console errors, failed requests, broken links, and for each
// chart whether it drew, how many Parquet files each view fetched, and what
// a drag-zoom did. Screenshots go to SHOTS/<page>.png.
//   node check_site.js BASE_URL SHOTS
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');

const [base, shots] = process.argv.slice(2);

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const report = { pages: [] };
  const index = await context.newPage();
  await index.goto(base, { waitUntil: 'load' });
  const hrefs = await index.$$eval('nav a, main a', (as) => [...new Set(as.map((a) => a.href))]);
  await index.close();
  const pages = [base, ...hrefs.filter((h) => h.startsWith(base) && h !== base)];
  for (const url of [...new Set(pages)]) {
    const page = await context.newPage();
    const entry = { url, errors: [], failed: [], broken: [], charts: [], bytes: 0 };
    page.on('console', (m) => { if (m.type() === 'error') entry.errors.push(m.text()); });
    page.on('pageerror', (e) => entry.errors.push(String(e)));
    page.on('requestfailed', (r) => entry.failed.push(r.url()));
    let parquet = [];
    page.on('response', async (r) => {
      if (r.status() >= 400) entry.failed.push(`${r.status()} ${r.url()}`);
      if (r.url().endsWith('.parquet')) parquet.push(r.url());
      try { entry.bytes += (await r.body()).length; } catch (e) { /* redirects have no body */ }
    });
    const start = Date.now();
    await page.goto(url, { waitUntil: 'load' });
    const charts = await page.$$('.chart[data-manifest]');
    for (let i = 0; i < charts.length; i++) {
      await page.waitForSelector(`.chart:nth-of-type(${i + 1})[data-state]`, { timeout: 10000 }).catch(() => {});
    }
    await page.waitForFunction(() => [...document.querySelectorAll('.chart[data-manifest]')]
      .every((c) => c.dataset.state), null, { timeout: 10000 }).catch(() => {});
    entry.firstPaintMs = Date.now() - start;
    entry.firstViewBytes = entry.bytes;
    // Every link on the page answers.
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
    for (const link of links) {
      const r = await page.request.get(link).catch(() => null);
      if (!r || r.status() !== 200) entry.broken.push(link);
    }
    for (const el of await page.$$('.chart[data-manifest]')) {
      const c = { manifest: await el.getAttribute('data-manifest') };
      c.state = await el.getAttribute('data-state');
      c.firstView = { resolution: await el.getAttribute('data-resolution'), files: Number(await el.getAttribute('data-files')) };
      c.pixels = await el.evaluate((node) => {
        const canvas = node.querySelector('canvas');
        if (!canvas) return 0;
        const ctx = canvas.getContext('2d');
        const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let k = 3; k < d.length; k += 4) if (d[k] > 0) n++;
        return n;
      });
      c.buttons = [];
      for (const b of await el.$$('.buttons button')) {
        parquet = [];
        await b.click();
        await page.waitForTimeout(300);
        c.buttons.push({ label: await b.textContent(), resolution: await el.getAttribute('data-resolution'),
          files: Number(await el.getAttribute('data-files')), fetched: parquet.length });
      }
      // Back to all, then drag across a tenth of the plot.
      await (await el.$$('.buttons button')).slice(-1)[0].click();
      await page.waitForTimeout(300);
      const before = { lo: Number(await el.getAttribute('data-lo')), hi: Number(await el.getAttribute('data-hi')),
        resolution: await el.getAttribute('data-resolution') };
      const over = await el.$('.u-over');
      const box = over && await over.boundingBox();
      if (box) {
        await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.47, box.y + box.height / 2, { steps: 5 });
        await page.mouse.up();
        await page.waitForTimeout(400);
      }
      c.zoom = { before, after: { lo: Number(await el.getAttribute('data-lo')), hi: Number(await el.getAttribute('data-hi')),
        resolution: await el.getAttribute('data-resolution') } };
      entry.charts.push(c);
    }
    const name = url === base ? 'index' : url.slice(base.length).replace(/\.html$/, '').replace(/[^\w.-]/g, '_');
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
    report.pages.push(entry);
    await page.close();
  }
  await browser.close();
  process.stdout.write(JSON.stringify(report) + '\n');
}
main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
