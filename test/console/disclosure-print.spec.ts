import { expectStatus } from '#libs/testing';
import { shot, useConsole } from './harness.js';

/**
 * The village's public disclosure (阳光扶贫) as the noticeboard sees it: opened without login in Chromium, rendered with
 * the CJK fonts, printed to PDF on A4, and nothing personal on the page (names masked, no ID number or phone).
 */
const ui = useConsole();
const VILLAGE = '370302106201'; // 东坪村, the demo village

describe('public disclosure in the browser', () => {
  it('renders the village’s page without login, prints it on A4 portrait, and shows nothing personal', async () => {
    const people = (await ui.t.db.dataSource.query(
      `SELECT h.head_name, h.id_number, h.phone FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code = $1`,
      [VILLAGE],
    )) as { head_name: string; id_number: string; phone: string | null }[];
    expect(people.length).toBeGreaterThan(0);
    // a posting of today, as a fund administrator publishes it
    await expectStatus(
      ui.t.api('FUND_ADMIN').POST('/api/v1/disclosures', { body: { scope: 'VILLAGE', code: VILLAGE } }),
      201,
    );

    const context = await ui.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const res = await page.goto(`${ui.t.baseUrl}/api/v1/public/disclosures/villages/${VILLAGE}?format=html`);
    expect(res?.status()).toBe(200);
    const text = await page.locator('body').innerText();
    expect(text).toContain('东坪村');
    expect(text).toMatch(/阳光扶贫|公示/);
    expect(text).toMatch(/[\u4e00-\u9fff]\*[\u4e00-\u9fff]?/); // a masked name, 张*明 or 张*
    for (const p of people) {
      expect(text).not.toContain(p.head_name);
      expect(text).not.toContain(p.id_number);
      if (p.phone) expect(text).not.toContain(p.phone);
    }
    // the CJK text is drawn with a font that has the glyphs (not boxes): its width differs from a missing-glyph run
    const fontOk = await page.evaluate(() => {
      const c = document.createElement('canvas').getContext('2d')!;
      c.font = '16px sans-serif';
      return c.measureText('东坪村').width !== c.measureText('\u{10FFFD}\u{10FFFD}\u{10FFFD}').width;
    });
    expect(fontOk).toBe(true);
    await shot(page, 'disclosure-village');

    // printed as the page's print CSS asks: A4 portrait (595 × 842 points), at least one page
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    const raw = pdf.toString('latin1');
    expect(raw.startsWith('%PDF-')).toBe(true);
    const boxes = [...raw.matchAll(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map((m) => [
      Math.round(Number(m[1])),
      Math.round(Number(m[2])),
    ]);
    expect(boxes.length).toBeGreaterThan(0);
    for (const [w, h] of boxes) expect([w, h]).toEqual([595, 842]);
    await context.close();
  });
});
