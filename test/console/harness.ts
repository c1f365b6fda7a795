import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '#libs/testing';
import { runSeed } from '../../scripts/seed.js';

/**
 * What every console browser test shares: Debian's Chromium, the built console served by a test API on a database
 * holding the demo data (`npm start`'s seed), a login per role, and screenshots. `useConsole()` registers the
 * suite's beforeAll/afterAll and hands back a live view of the app, the browser and the console's base URL.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ROOT = join(import.meta.dirname, '..', '..');
/**
 * Screenshots: into docs/console/ (the README's pictures) only when CONSOLE_SCREENSHOTS=docs asks for it, so a test
 * run never changes tracked files; otherwise into a scratch folder (still taken: a failing screen is looked at there).
 */
export const SHOTS =
  process.env.CONSOLE_SCREENSHOTS === 'docs'
    ? join(ROOT, 'docs', 'console')
    : join(tmpdir(), 'mae-console-shots');

export interface ConsoleHarness {
  readonly t: TestApp;
  readonly browser: Browser;
  /** `${t.baseUrl}/console` */
  readonly base: string;
  /**
   * A new browser context logged in as `username`. It asks for reduced motion (the console then opens dialogs and
   * lists without animating them, so a click on a loaded machine never lands on a moving target) unless
   * `motion: true`.
   */
  loginAs(username: string, password: string, opts?: { motion?: boolean }): Promise<Page>;
}

export function useConsole(): ConsoleHarness {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: run scripts/ensure-browser.sh (apt-get install -y chromium fonts-noto-cjk)`,
      );
    if (!existsSync(join(ROOT, 'apps', 'console', 'dist', 'index.html'))) {
      execFileSync(
        'npx',
        ['vite', 'build', '--config', 'apps/console/vite.config.ts', '--logLevel', 'warn'],
        { cwd: ROOT, stdio: 'inherit' },
      );
    }
    mkdirSync(SHOTS, { recursive: true });
    t = await createTestApp();
    await runSeed(t.config, undefined, () => undefined);
    // the test app already listens on an ephemeral port of 127.0.0.1
    base = `${t.baseUrl}/console`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  }, 180_000);

  // a failing test leaves a picture of every page it still had open (in SHOTS), to look at what it saw, and prints
  // what the API refused or answered slowly while it ran (a screen waiting for a result often hides an error)
  const open = new Set<Page>();
  const calls: string[] = [];
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') {
      if (calls.length)
        console.error(`API calls worth a look during "${ctx.task.name}":\n  ${calls.join('\n  ')}`);
      const name = ctx.task.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60);
      let i = 0;
      for (const page of open)
        if (!page.isClosed())
          await page
            .screenshot({ path: join(SHOTS, `failed-${name}-${++i}.png`), fullPage: true })
            .catch(() => undefined);
    }
    open.clear();
    calls.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  return {
    get t() {
      return t;
    },
    get browser() {
      return browser;
    },
    get base() {
      return base;
    },
    async loginAs(username: string, password: string, opts: { motion?: boolean } = {}): Promise<Page> {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
        reducedMotion: opts.motion ? 'no-preference' : 'reduce',
      });
      const page = await context.newPage();
      open.add(page);
      watchApi(page, username, calls);
      await page.goto(`${base}/`);
      await page.getByLabel('用户名').fill(username);
      await page.getByLabel('密码').fill(password);
      await page
        .getByRole('button', { name: '登 录' })
        .or(page.getByRole('button', { name: '登录' }))
        .click();
      await page.getByTestId('who').waitFor();
      return page;
    },
  };
}

/** The API answers a page got that a failing test should show: refusals (status ≥ 400), failures, slow answers. */
function watchApi(page: Page, who: string, calls: string[]): void {
  const started = new Map<object, number>();
  const at = () => new Date().toISOString().slice(11, 23);
  page.on('request', (req) => {
    if (req.url().includes('/api/')) started.set(req, Date.now());
  });
  page.on('requestfailed', (req) => {
    if (req.url().includes('/api/'))
      calls.push(
        `${at()} ${who} ${req.method()} ${new URL(req.url()).pathname} failed: ${req.failure()?.errorText}`,
      );
  });
  page.on('response', (res) => {
    const req = res.request();
    const begun = started.get(req);
    if (begun === undefined) return;
    started.delete(req);
    const ms = Date.now() - begun;
    if (res.status() < 400 && ms < 5_000) return;
    // the console asks who is logged in before the login: that 401 is the expected answer
    if (res.status() === 401 && new URL(req.url()).pathname.endsWith('/auth/me')) return;
    const line = `${at()} ${who} ${req.method()} ${new URL(req.url()).pathname} → ${res.status()} in ${ms} ms`;
    if (res.status() < 400) calls.push(line);
    else
      void res.text().then(
        (body) => calls.push(`${line}: ${body.slice(0, 300)}`),
        () => calls.push(line),
      );
  });
}

/** A valid GB 11643 number from its first 17 digits (the check character computed, as the API checks it). */
export function withCheckChar(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

/**
 * Chooses an option of an antd Select and checks that the choice took. Clicks `field` (the select's input, found by
 * its label, or the select itself), types `opts.search` when given, clicks the first visible option holding
 * `option`'s text (the first option when null), then waits for `opts.took` (by default: the select showing the
 * chosen option's text). On a loaded machine antd's opening animation can swallow the click, or a search answer
 * come late: then the list is closed and the whole choice is tried again, three times at most.
 */
export async function choose(
  page: Page,
  field: Locator,
  option: string | null,
  opts: { search?: string; took?: Locator } = {},
): Promise<void> {
  const select = field.locator(
    'xpath=ancestor-or-self::div[contains(concat(" ", normalize-space(@class), " "), " ant-select ")][1]',
  );
  /** what shows the choice took: the caller's, else the select holding the chosen option's text */
  let took: Locator | undefined = opts.took;
  const open = page.locator('.ant-select-dropdown:visible');
  for (let attempt = 1; ; attempt++) {
    try {
      await field.click({ timeout: 5_000 });
      if (opts.search !== undefined) await field.fill(opts.search, { timeout: 5_000 });
      const items = open.locator('.ant-select-item-option');
      const target = (option === null ? items : items.filter({ hasText: option })).first();
      const text = option ?? (await target.innerText({ timeout: 5_000 })).split('\n')[0].trim();
      took ??= select.filter({ hasText: text });
      await target.click({ timeout: 5_000 });
      await took.waitFor({ timeout: 5_000 });
      return;
    } catch (e) {
      // the choice may have taken late: choosing again would undo it in a multiple select
      if (took && (await took.isVisible().catch(() => false))) return;
      if (attempt === 3) throw e;
      // Escape closes an open list (and only then: without one it would close a dialog)
      if (await open.count()) await page.keyboard.press('Escape');
      await open
        .first()
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => undefined);
    }
  }
}
