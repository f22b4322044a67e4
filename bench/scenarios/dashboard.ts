// The dashboard's share of `npm run bench`: bundle size (what the first screen downloads, and the
// editor chunk loaded when a runbook is opened) and first load time in Chromium, cold cache each
// time, to the sign-in form and, signed in, to the rendered overview. Measured, never asserted.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureUi } from '../../scripts/ui-ensure';
import { repoRoot } from '../settings';

export interface DashboardBench {
  bundle: { file: string; kb: number; gzipKb: number; initial: boolean }[];
  initialKb: number;
  initialGzipKb: number;
  firstLoad?: { samples: number; signInP50ms: number; overviewP50ms: number };
  skipped?: string;
}

const kb = (n: number) => Math.round(n / 102.4) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function dashboardBench(host: { url: string; adminKey: string }, samples = 5): Promise<DashboardBench> {
  ensureUi();
  const dir = path.join(repoRoot, 'dist', 'ui');
  const index = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const bundle = readdirSync(path.join(dir, 'assets')).map((f) => {
    const b = readFileSync(path.join(dir, 'assets', f));
    return { file: f, kb: kb(b.length), gzipKb: kb(gzipSync(b).length), initial: index.includes(`assets/${f}`) };
  });
  const initial = bundle.filter((b) => b.initial);
  const out: DashboardBench = {
    bundle,
    initialKb: Math.round(initial.reduce((a, b) => a + b.kb, 0) * 10) / 10,
    initialGzipKb: Math.round(initial.reduce((a, b) => a + b.gzipKb, 0) * 10) / 10,
  };
  const chromiumPath = process.env.HOOKBOOK_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return { ...out, skipped: `no Chromium at ${chromiumPath}` };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const signIn: number[] = [];
    const overview: number[] = [];
    for (let i = 0; i < samples; i++) {
      for (const signedIn of [false, true]) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 720 } }); // cold cache
        const credential = JSON.stringify(JSON.stringify({ kind: 'key', value: host.adminKey }));
        if (signedIn) await context.addInitScript({ content: `sessionStorage.setItem('hookbook.credential', ${credential});` });
        const page = await context.newPage();
        const t0 = Date.now();
        await page.goto(`${host.url}/ui/`);
        await page.waitForSelector(signedIn ? 'h1:has-text("Overview"), h1:has-text("Welcome")' : '#apikey');
        (signedIn ? overview : signIn).push(Date.now() - t0);
        await context.close();
      }
    }
    out.firstLoad = { samples, signInP50ms: median(signIn), overviewP50ms: median(overview) };
  } finally {
    await browser.close();
  }
  return out;
}
