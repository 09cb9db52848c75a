// The page script of report.html, inlined by assertions/reports/html.ts. It draws the
// charts (Chartist, inlined before it) and the trace browser from the JSON the renderer
// embedded, so the report works from file:// with no network. It knows no span or
// attribute name of its own: those come in the data (data.names, from semconv.ts).
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const charts = JSON.parse(document.getElementById('report-charts').textContent);
  const names = data.names;
  const SERIES_CLASSES = 'abcdefghijklmno';
  const WIDTH = 560;
  const HEIGHT = 300;

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children || []) e.append(c);
    return e;
  }

  const fmt = (x) => (typeof x === 'number' ? (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)) : String(x));

  // Phase bands and alert markers, drawn under the marks once the chart knows its axes.
  function decorate(spec, ctx) {
    const rect = ctx.chartRect;
    const xOf = (v) => rect.x1 + ctx.axisX.projectValue(v);
    const inside = (x) => Math.min(rect.x2, Math.max(rect.x1, x));
    (spec.bands || []).forEach((b, i) => {
      const x1 = inside(xOf(b.from));
      const x2 = inside(xOf(b.to));
      // The first band is the no-fault one (warm-up); the fault bands alternate in shade.
      ctx.svg.elem('rect', { x: x1, y: rect.y2, width: Math.max(0, x2 - x1), height: rect.y1 - rect.y2 }, `band ${i === 0 ? 'band-calm' : `band-fault band-${i % 2 ? 'odd' : 'even'}`}`, true);
      ctx.svg.elem('text', { x: x1 + 4, y: rect.y2 + 12 }, 'band-label').text(b.label);
    });
    (spec.markers || []).forEach((m, i) => {
      const x = xOf(m.at);
      if (x < rect.x1 || x > rect.x2) return;
      ctx.svg.elem('line', { x1: x, x2: x, y1: rect.y1, y2: rect.y2 }, 'marker');
      ctx.svg.elem('text', { x: x + 3, y: rect.y2 + 24 + 12 * i }, 'marker-label').text(m.label);
    });
  }

  function legend(fig, spec) {
    const box = fig.querySelector('.legend');
    spec.series.forEach((s, i) => box.append(el('span', { class: 'key' }, [el('i', { class: `swatch s-${SERIES_CLASSES[i]}` }), s.name])));
    // Guides of one name (each interval of a ratio chart) get one key.
    [...new Set((spec.guides || []).map((g) => g.name))].forEach((n) => box.append(el('span', { class: 'key' }, [el('i', { class: 'swatch guide' }), n])));
    box.append(el('span', { class: 'axes', text: `x: ${spec.x_label}; y: ${spec.y_label}` }));
  }

  function marksOf(spec) {
    return spec.series.reduce((a, s) => a + (s.points ? s.points.length : 0) + (s.values ? s.values.filter((v) => v !== null).length : 0), 0);
  }

  // Resolves when the chart is drawn (Chartist draws on the next tick).
  function drawChart(spec) {
    const fig = document.getElementById(`chart-${spec.id}`);
    const host = fig.querySelector('.ct-host');
    legend(fig, spec);
    if (marksOf(spec) === 0) {
      host.append(el('p', { class: 'empty', text: 'no data points in this run' }));
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let chart;
      if (spec.kind === 'bar') {
        chart = new Chartist.BarChart(host, {
          labels: spec.categories,
          series: spec.series.map((s) => ({ name: s.name, data: s.values.map((v) => (v === null ? null : v)) })),
        }, {
          width: spec.horizontal ? WIDTH + 120 : WIDTH, height: spec.horizontal ? Math.max(HEIGHT, 22 * spec.categories.length) : HEIGHT,
          horizontalBars: !!spec.horizontal, seriesBarDistance: 8,
          axisY: spec.horizontal ? { offset: 190 } : { onlyInteger: false },
          axisX: spec.horizontal ? {} : { labelInterpolationFnc: (v, i) => (spec.categories.length > 12 && i % 3 ? '' : v) },
        });
      } else {
        const series = spec.series.map((s) => ({ name: s.name, data: s.points.map((p) => ({ x: p[0], y: p[1] })) }));
        const guides = (spec.guides || []).map((g) => ({ name: g.name, className: 'ct-guide', data: g.points.map((p) => ({ x: p[0], y: p[1] })) }));
        const seriesOptions = {};
        for (const g of guides) seriesOptions[g.name] = { showPoint: false, showLine: true };
        chart = new Chartist.LineChart(host, { series: series.concat(guides) }, {
          width: WIDTH, height: HEIGHT, showLine: !!spec.line, showPoint: true, lineSmooth: false,
          axisX: Object.assign({ type: Chartist.AutoScaleAxis, onlyInteger: false, scaleMinSpace: 45 }, spec.x_range ? { low: spec.x_range[0], high: spec.x_range[1] } : {}),
          axisY: { type: Chartist.AutoScaleAxis, onlyInteger: false },
          series: seriesOptions,
        });
      }
      chart.on('draw', (ctx) => {
        const labels = ctx.type === 'point' && spec.series[ctx.seriesIndex] && spec.series[ctx.seriesIndex].labels;
        if (labels && labels[ctx.index] !== undefined) ctx.group.elem('text', { x: ctx.x + 5, y: ctx.y - 4 }, 'point-label').text(labels[ctx.index]);
      });
      chart.on('created', (ctx) => {
        if (spec.kind === 'scatter') decorate(spec, ctx);
        resolve();
      });
    });
  }

  // ---- trace browser ----
  const traces = data.faulted_traces ? data.faulted_traces.items.concat(data.unfaulted_traces.items).sort((a, b) => a.t_s - b.t_s) : [];
  const byId = new Map(traces.map((t) => [t.trace_id, t]));

  function passes(t) {
    const f = document.getElementById('filter-fault').value;
    const m = document.getElementById('filter-match').value;
    const okF = f === 'any' || (f === 'none' ? t.faults.length === 0 : t.faults.includes(f));
    const okM = m === 'any' || (m === 'some' ? t.matched.length > 0 : m === 'none' ? t.matched.length === 0 : t.matched.includes(m));
    return okF && okM;
  }

  function listTraces() {
    const body = document.querySelector('#trace-table tbody');
    body.replaceChildren();
    const shown = traces.filter(passes);
    for (const t of shown) {
      const row = el('tr', { class: `trace-row${t.faults.length ? ' faulted' : ''}`, 'data-trace-id': t.trace_id }, [
        el('td', { text: t.t_s.toFixed(2) }), el('td', {}, [el('code', { text: t.trace_id.slice(0, 16) })]),
        el('td', { text: t.faults.join(', ') || '-' }), el('td', { text: t.matched.join(', ') || '-' }),
        el('td', { text: `${fmt(t.latency_ms)} ms` }), el('td', { text: String(t.status) }), el('td', { text: String(t.spans.length) }),
      ]);
      row.addEventListener('click', () => showTrace(t.trace_id));
      body.append(row);
    }
    document.getElementById('trace-count').textContent = `${shown.length} of ${traces.length} traces`;
  }

  function attrTable(attrs) {
    const rows = Object.entries(attrs).map(([k, v]) => el('tr', { class: names.signal_attributes.includes(k) ? 'signal' : '' }, [el('td', { text: k }), el('td', { text: String(v) })]));
    return el('table', { class: 'attrs' }, rows);
  }

  function spanRow(t, s, total) {
    const signal = names.signal_spans.includes(s.name) || s.events.some((e) => names.signal_events.includes(e.name));
    const bar = el('span', { class: `wf-bar${s.status === 'error' ? ' err' : ''}${signal ? ' signal' : ''}` });
    bar.style.left = `${(100 * s.start_ms) / total}%`;
    bar.style.width = `${Math.max(0.3, (100 * s.duration_ms) / total)}%`;
    const track = el('span', { class: 'wf-track' }, [bar]);
    for (const e of s.events) {
      const tick = el('span', { class: 'wf-event', title: e.name });
      tick.style.left = `${(100 * e.at_ms) / total}%`;
      track.append(tick);
    }
    const name = el('span', { class: 'wf-name', text: s.name });
    name.style.paddingLeft = `${s.depth * 14}px`;
    const summary = el('summary', {}, [name, el('span', { class: 'wf-service', text: `${s.service} · ${s.kind}` }), track, el('span', { class: 'wf-dur', text: `${fmt(s.duration_ms)} ms` })]);
    const detail = el('div', { class: 'wf-detail' }, [
      el('p', { class: 'wf-when', text: `starts at +${fmt(s.start_ms)} ms, lasts ${fmt(s.duration_ms)} ms; ${s.kind} span of ${s.service}` }),
      el('h4', { text: `span attributes (${Object.keys(s.attributes).length})` }), attrTable(s.attributes),
      ...(s.status !== 'unset' ? [el('p', { text: `status ${s.status}${s.status_message ? `: ${s.status_message}` : ''}` })] : []),
      el('h4', { text: `events (${s.events.length})` }),
      ...s.events.map((e) => el('div', { class: 'event' }, [el('b', { text: `${e.name} at ${fmt(e.at_ms)} ms` }), attrTable(e.attributes)])),
      el('h4', { text: 'resource' }), attrTable(t.resources[s.service] || {}),
    ]);
    return el('details', { class: `wf-row${signal ? ' signal' : ''}` }, [summary, detail]);
  }

  function showTrace(id) {
    const t = byId.get(id);
    const box = document.getElementById('waterfall');
    if (!t) return;
    for (const r of document.querySelectorAll('.trace-row.selected')) r.classList.remove('selected');
    const row = document.querySelector(`.trace-row[data-trace-id="${id}"]`);
    if (row) row.classList.add('selected');
    const total = Math.max(1e-3, ...t.spans.map((s) => s.start_ms + s.duration_ms));
    box.replaceChildren(
      el('h3', {}, [el('code', { text: t.trace_id })]),
      el('p', { class: 'wf-head', text: `${t.spans.length} spans, ${fmt(t.latency_ms)} ms at the gateway, status ${t.status}; faults: ${t.faults.join(', ') || 'none'}; detection queries matched: ${t.matched.join(', ') || 'none'}` }),
      el('div', { class: 'wf', 'data-trace-id': t.trace_id }, t.spans.map((s) => spanRow(t, s, total))),
    );
  }

  function startBrowser() {
    if (!document.getElementById('trace-browser')) return;
    document.getElementById('filter-fault').addEventListener('change', listTraces);
    document.getElementById('filter-match').addEventListener('change', listTraces);
    listTraces();
    const first = byId.get(data.slowest) || traces.find((t) => t.faults.length) || traces[0];
    if (first) showTrace(first.trace_id);
  }

  startBrowser();
  Promise.all(charts.map(drawChart)).then(() => {
    document.body.dataset.chartsDrawn = String(charts.length);
  });
})();
