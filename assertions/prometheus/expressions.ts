/**
 * Every PromQL expression the project ships, where it lives, and whether Prometheus
 * answers it with data: the Grafana dashboard's panels and the alert rules. An alert's
 * expression is checked without its final comparison (`> 1.3`), which by design returns
 * nothing while the alert is not firing; what must return a series is the quantity it
 * compares.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { PrometheusClient } from './client.ts';

export interface ShippedExpression {
  /** file and panel title or rule name */
  where: string;
  expr: string;
  /**
   * Why no series is a right answer, when it can be: a panel of ALERTS lists the alerts
   * firing, none in a calm run. Such an expression must still parse and run.
   */
  may_be_empty?: string;
}

const META_SERIES = /^ALERTS(\{|$)/;

/** Grafana's own variables, given the values a 1-minute range would get. */
const GRAFANA_VARIABLES: Record<string, string> = { $__rate_interval: '1m', $__interval: '2s', $__range: '5m' };

export function withGrafanaVariables(expr: string): string {
  return Object.entries(GRAFANA_VARIABLES).reduce((e, [k, v]) => e.split(k).join(v), expr);
}

export function dashboardExpressions(file: string): ShippedExpression[] {
  const d = JSON.parse(fs.readFileSync(file, 'utf8')) as { panels?: { title?: string; targets?: { expr?: string; datasource?: { type?: string } }[] }[] };
  return (d.panels ?? []).flatMap((p) => (p.targets ?? [])
    .filter((t) => t.expr && t.datasource?.type === 'prometheus')
    .map((t) => ({
      where: `${path.basename(file)}: ${p.title ?? '(untitled)'}`, expr: withGrafanaVariables(t.expr!),
      ...(META_SERIES.test(t.expr!.trim()) ? { may_be_empty: 'lists the alerts firing at the time, none in a calm run' } : {}),
    })));
}

/** The left-hand side of `<quantity> > <number>` (or <, >=, <=); the whole expression otherwise. */
export function comparedQuantity(expr: string): string {
  const m = /^([\s\S]*?)\s*(?:>=|<=|>|<)\s*-?[\d.]+\s*$/.exec(expr.trim());
  return (m ? m[1]! : expr).trim();
}

export function ruleExpressions(file: string): ShippedExpression[] {
  const doc = parse(fs.readFileSync(file, 'utf8')) as { groups?: { rules?: { alert?: string; record?: string; expr: string }[] }[] };
  return (doc.groups ?? []).flatMap((g) => (g.rules ?? []).map((r) => ({
    where: `${path.basename(file)}: ${r.alert ?? r.record ?? '(unnamed)'}`,
    expr: r.alert ? comparedQuantity(r.expr) : r.expr.trim(),
  })));
}

export interface ExpressionAnswer extends ShippedExpression {
  series: number;
}

/** Asks Prometheus each expression at `time`; a query it rejects throws (a harness failure, with the query). */
export async function answerAll(prom: PrometheusClient, exprs: ShippedExpression[], time?: number): Promise<ExpressionAnswer[]> {
  const out: ExpressionAnswer[] = [];
  for (const e of exprs) out.push({ ...e, series: (await prom.query(e.expr, time)).length });
  return out;
}
