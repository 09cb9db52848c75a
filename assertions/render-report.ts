/** node assertions/render-report.ts <reports/<pattern>>: writes report.html again from the folder's verdict.json and report-data.json. */
import fs from 'node:fs';
import path from 'node:path';
import { loadReportAssets } from './reports/assets.ts';
import { renderReport } from './reports/html.ts';
import { writeIndex } from './reports/index-page.ts';
import type { ReportData } from './reports/report-data.ts';
import type { ScenarioVerdict } from './reports/types.ts';
import { parseCli } from '../stack/cli-args.ts';

const USAGE = `usage: make report-html DIR=<report folder>   (node assertions/render-report.ts <report folder> with the pinned Node)

Renders <folder>/report.html again from <folder>/verdict.json and <folder>/report-data.json
(a run's reports/<pattern>/), without running anything, for a report written by an older
version of the harness; then rewrites the index.html of the folder above. Exit code: 0 written, 2 a file is missing or unreadable.`;

const { positionals } = parseCli({ name: 'render-report', usage: USAGE, options: {}, positionals: { min: 1, max: 1 } });
const dir = path.resolve(positionals[0]!);
const read = <T>(f: string): T | undefined => {
  const p = path.join(dir, f);
  if (!fs.existsSync(p)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8')) as T;
  } catch (err) {
    console.error(`render-report: ${p} is not JSON: ${(err as Error).message}`);
    process.exit(2);
  }
};
const verdict = read<ScenarioVerdict>('verdict.json');
if (!verdict) {
  console.error(`render-report: no verdict.json in ${dir}`);
  process.exit(2);
}
fs.writeFileSync(path.join(dir, 'report.html'), renderReport(verdict, read<ReportData>('report-data.json'), loadReportAssets()));
console.log(`wrote ${path.join(dir, 'report.html')} and ${writeIndex(path.dirname(dir))}`);
