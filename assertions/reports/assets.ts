/**
 * What report.html inlines, read once from disk: the charting library (Chartist, MIT,
 * from node_modules: its UMD build sets a global and needs no loader) and the page's own
 * script and style (assets/). Inlined so that the report opens from file:// with no
 * network at all. Chartist rather than a canvas library: it draws every point as an SVG
 * element, so a browser can count the marks a chart holds.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHART_LIBRARY = { name: 'chartist', licence: 'MIT OR WTFPL', js: 'dist/index.umd.js', css: 'dist/index.css' } as const;

export interface ReportAssets {
  chartJs: string;
  chartCss: string;
  chartVersion: string;
  pageJs: string;
  pageCss: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
let cached: ReportAssets | undefined;

export function loadReportAssets(): ReportAssets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // The package exports ./dist/* but not its package.json: found from the file it exports.
  const js = require.resolve(`${CHART_LIBRARY.name}/${CHART_LIBRARY.js}`);
  const dir = path.resolve(path.dirname(js), path.relative(path.dirname(CHART_LIBRARY.js), '.'));
  const pkgFile = path.join(dir, 'package.json');
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch (err) {
      throw new Error(`report asset ${f} cannot be read (${(err as Error).message}); run npm ci`);
    }
  };
  cached = {
    chartJs: read(path.join(dir, CHART_LIBRARY.js)),
    chartCss: read(path.join(dir, CHART_LIBRARY.css)),
    chartVersion: (JSON.parse(read(pkgFile)) as { version: string }).version,
    pageJs: read(path.join(HERE, 'assets', 'report.js')),
    pageCss: read(path.join(HERE, 'assets', 'report.css')),
  };
  return cached;
}
