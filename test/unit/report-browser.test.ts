/**
 * report.html in a real browser: Debian's Chromium driven by playwright-core, headless,
 * on a report rendered from a real run's report data (test/fixtures/reports/mixed). The
 * page must open from file:// with no console error and no request but its own file,
 * every chart must hold as many marks as its data has points, and choosing a trace must
 * show a waterfall of that trace's spans. The index, sampling, ramp and bench pages are
 * rendered from their fixtures and held to the same. Screenshots go to reports/screenshots/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportAssets } from '../../assertions/reports/assets.ts';
import type { ChartSpec } from '../../assertions/reports/charts.ts';
import { renderReport } from '../../assertions/reports/html.ts';
import { writeIndex } from '../../assertions/reports/index-page.ts';
import { renderRampPage, renderSamplingPage } from '../../assertions/reports/sampling-page.ts';
import { renderLabPage } from '../../assertions/reports/lab-page.ts';
import type { LabClaim, LabReport } from '../../assertions/sampling/lab/report.ts';
import type { RampClaim } from '../../assertions/sampling/ramp-report.ts';
import type { RampResult } from '../../assertions/sampling/ramp.ts';
import type { SamplingReport } from '../../assertions/sampling/report.ts';
import { renderBenchPage } from '../../bench/html.ts';
import { BENCH_GOALS, type OverheadResult } from '../../bench/overhead.ts';
import type { ReportData, ReportTrace } from '../../assertions/reports/report-data.ts';
import type { ScenarioVerdict } from '../../assertions/reports/types.ts';
import { REPO_ROOT } from '../../stack/tools.ts';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/reports');
const FIXTURE = path.join(FIXTURES, 'mixed');
const readFixture = <T>(f: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as T;
/** Every page the harness writes, rendered from the fixtures; the first two are report.html with and without its data. */
const PAGES = ['mixed/report.html', 'mixed-no-data/report.html', 'index.html', 'sampling/sampling.html', 'sampling-lab/sweep/lab.html', 'ramp/ramp.html', 'bench/overhead.html'] as const;
const CHARTLESS = new Set<string>(['index.html']);
const SCREENSHOTS = path.join(REPO_ROOT, 'reports', 'screenshots');
const DRAWN_TIMEOUT_MS = 10_000;
/** Chromium's start beside the other unit files on two cores: seconds, not the hook's default 10. */
const LAUNCH_TIMEOUT_MS = 60_000;

/** HARNESS_CHROMIUM, else `chromium` on PATH, else Debian's path. */
function findChromium(): string | undefined {
  if (process.env.HARNESS_CHROMIUM) return fs.existsSync(process.env.HARNESS_CHROMIUM) ? process.env.HARNESS_CHROMIUM : undefined;
  try {
    const onPath = execFileSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    if (onPath) return onPath;
  } catch {
    // not on PATH
  }
  return fs.existsSync(DEFAULT_CHROMIUM) ? DEFAULT_CHROMIUM : undefined;
}

const chromiumPath = findChromium();
const why = process.env.HARNESS_CHROMIUM
  ? `(skipped: HARNESS_CHROMIUM=${process.env.HARNESS_CHROMIUM} does not exist)`
  : `(skipped: no Chromium on PATH nor at ${DEFAULT_CHROMIUM}; apt-get install chromium, or set HARNESS_CHROMIUM)`;
const title = (t: string) => (chromiumPath ? t : `${t} ${why}`);

/** Marks a chart must hold, counted here from its data rather than from the page's own count. */
const pointsOf = (c: ChartSpec): number =>
  c.series.reduce((a, s) => a + (s.points ?? []).length + (s.values ?? []).filter((v) => v !== null).length, 0);

interface Opened { page: Page; consoleErrors: string[]; requests: string[]; url: string }

describe.skipIf(!chromiumPath)(title('report.html in Chromium'), () => {
  let browser: Browser;
  let dir: string;
  const verdict = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'verdict.json'), 'utf8')) as ScenarioVerdict;
  const data = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'report-data.json'), 'utf8')) as ReportData;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-browser-'));
    const assets = loadReportAssets();
    const write = (f: string, html: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), html);
    };
    write('mixed/report.html', renderReport(verdict, data, assets));
    write('mixed/verdict.json', JSON.stringify(verdict));
    write('mixed-no-data/report.html', renderReport(verdict, undefined, assets));
    write('sampling/sampling.html', renderSamplingPage(readFixture<SamplingReport>('sampling.json'), assets));
    const lab = readFixture<LabReport & { claims: LabClaim[] }>('sampling-lab-sweep.json');
    write('sampling-lab/sweep/lab.html', renderLabPage(lab, lab.claims, assets));
    const ramp = readFixture<RampResult & { short: boolean; claims: RampClaim[] }>('ramp.json');
    write('ramp/ramp.html', renderRampPage(ramp, ramp.claims, assets));
    write('bench/overhead.html', renderBenchPage('Tracing overhead', { tracing_overhead: readFixture<OverheadResult>('overhead.json'), goals: BENCH_GOALS }, assets));
    writeIndex(dir);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  }, LAUNCH_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(file: string, charts = true): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    const url = `file://${path.join(dir, file)}`;
    await page.goto(url);
    // The page script marks the body once Chartist has drawn every chart (it draws on a later tick).
    if (charts) await page.locator('body[data-charts-drawn]').waitFor({ state: 'attached', timeout: DRAWN_TIMEOUT_MS });
    return { page, consoleErrors, requests, url };
  }

  it.each(PAGES)('should open %s with no console error and no request but the file itself', async (file) => {
    const o = await open(file, !CHARTLESS.has(file));
    try {
      expect(o.consoleErrors).toEqual([]);
      expect(o.requests).toEqual([o.url]);
      await o.page.screenshot({ path: path.join(SCREENSHOTS, `${file.replace(/\.html$/, '').replaceAll('/', '-')}.png`), fullPage: true });
    } finally {
      await o.page.close();
    }
  });

  it.each(PAGES.filter((p) => !CHARTLESS.has(p)))('should draw as many marks in each chart of %s as its data has points', async (file) => {
    const o = await open(file);
    try {
      const charts = JSON.parse((await o.page.locator('#report-charts').textContent())!) as ChartSpec[];
      const counted = await Promise.all(charts.map(async (c) => [c.id, await o.page.locator(`#chart-${c.id} .ct-point, #chart-${c.id} .ct-bar`).count()]));
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(charts.map((c) => [c.id, pointsOf(c)])));
      // Not a vacuous match: every page with data has charts with points.
      if (file !== 'mixed-no-data/report.html') expect(charts.filter((c) => pointsOf(c) > 0).length).toBeGreaterThanOrEqual(file === 'mixed/report.html' ? 10 : 1);
      if (file === 'mixed/report.html') expect(pointsOf(charts.find((c) => c.id === 'latency-over-time')!)).toBe(data.requests.items.length);
      if (charts.length) await o.page.locator('.charts').first().screenshot({ path: path.join(SCREENSHOTS, `${file.replace(/\.html$/, '').replaceAll('/', '-')}-charts.png`) });
    } finally {
      await o.page.close();
    }
  });

  it('should link every run from index.html to its report', async () => {
    const o = await open('index.html', false);
    try {
      expect(await o.page.locator('a[href="mixed/report.html"]').count()).toBe(1);
      for (const p of ['sampling/sampling.html', 'sampling-lab/sweep/lab.html', 'ramp/ramp.html', 'bench/overhead.html']) expect(await o.page.locator(`a[href="${p}"]`).count()).toBe(1);
    } finally {
      await o.page.close();
    }
  });

  it('should show the chosen trace\'s waterfall with one row per span, and its attributes and events', async () => {
    const o = await open('mixed/report.html');
    try {
      const all: ReportTrace[] = [...data.faulted_traces.items, ...data.unfaulted_traces.items];
      // The trace with the most spans, so a waterfall of the wrong trace cannot pass by chance.
      const pick = all.reduce((a, t) => (t.spans.length > a.spans.length ? t : a));
      expect(new Set(all.map((t) => t.spans.length)).size).toBeGreaterThan(1);
      await o.page.locator(`.trace-row[data-trace-id="${pick.trace_id}"]`).click();
      await expect.poll(() => o.page.locator(`#waterfall .wf[data-trace-id="${pick.trace_id}"] .wf-row`).count()).toBe(pick.spans.length);
      const i = pick.spans.findIndex((s) => s.events.length > 0);
      const row = o.page.locator('#waterfall .wf-row').nth(i);
      await row.locator('summary').click();
      expect(await row.locator('.wf-detail table.attrs').first().locator('tr').count()).toBe(Object.keys(pick.spans[i]!.attributes).length);
      expect(await row.locator('.wf-detail .event').count()).toBe(pick.spans[i]!.events.length);
      await o.page.locator('#trace-browser').screenshot({ path: path.join(SCREENSHOTS, `${verdict.scenario}-trace-browser.png`) });
    } finally {
      await o.page.close();
    }
  });

  it('should filter the traces by fault and by detection-query match', async () => {
    const o = await open('mixed/report.html');
    try {
      const all: ReportTrace[] = [...data.faulted_traces.items, ...data.unfaulted_traces.items];
      const rows = () => o.page.locator('.trace-row').count();
      expect(await rows()).toBe(all.length);
      await o.page.selectOption('#filter-fault', 'none');
      expect(await rows()).toBe(all.filter((t) => t.faults.length === 0).length);
      await o.page.selectOption('#filter-fault', 'any');
      const fault = data.faults[0]!;
      await o.page.selectOption('#filter-match', fault);
      expect(await rows()).toBe(all.filter((t) => t.matched.includes(fault)).length);
      await o.page.selectOption('#filter-fault', fault);
      await o.page.selectOption('#filter-match', 'none');
      // A faulted trace its own query missed: none in this run (recall 1.0).
      expect(await rows()).toBe(all.filter((t) => t.faults.includes(fault) && t.matched.length === 0).length);
    } finally {
      await o.page.close();
    }
  });
});
