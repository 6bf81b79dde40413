// The live dashboard: polls the service's dashboard data at its sample interval and redraws.
// Plain script (no build step); chart.js comes from our own origin (chart.umd.min.js).
'use strict';
(() => {
  const DATA_URL = '/api/v1/admin/dashboard/data';
  const COLORS = ['#58a6ff', '#3fb950', '#d29922', '#f85149', '#bc8cff', '#39c5cf', '#ff7b72', '#a5d6ff', '#7ee787', '#e3b341', '#ffa657', '#d2a8ff'];
  const $ = (id) => document.getElementById(id);
  const set = (id, text) => ($(id).textContent = text);

  const percent = (rate) => (rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)} %`);
  const number = (n) => n.toLocaleString('en-US');
  const ms = (v) => (v === null || v === undefined ? '–' : v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(v < 10 ? 2 : 0)} ms`);
  const clock = (t) => new Date(t).toLocaleTimeString('en-GB', { hour12: false });
  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  }

  Chart.defaults.color = '#8b98a5';
  Chart.defaults.borderColor = '#2a3643';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  const ratioAxis = { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(v * 100)} %` } };
  const dataset = (label, color, extra) => ({ label, borderColor: color, backgroundColor: `${color}66`, pointRadius: 0, borderWidth: 2, spanGaps: true, data: [], ...extra });

  const charts = {
    tiers: new Chart($('chart-tiers'), {
      type: 'line',
      data: { labels: [], datasets: [dataset('L1', COLORS[1], { fill: true }), dataset('L2', COLORS[0], { fill: true }), dataset('stale', COLORS[2], { fill: true })] },
      options: { scales: { y: { ...ratioAxis, stacked: true } } },
    }),
    policies: new Chart($('chart-policies'), { type: 'line', data: { labels: [], datasets: [] }, options: { scales: { y: ratioAxis } } }),
    l2: new Chart($('chart-l2'), {
      type: 'line',
      data: { labels: [], datasets: [dataset('p50', COLORS[0]), dataset('p95', COLORS[2]), dataset('max', COLORS[3], { borderDash: [4, 4] })] },
      options: { scales: { y: { beginAtZero: true } } },
    }),
    upstream: new Chart($('chart-upstream'), {
      type: 'bar',
      data: { labels: [], datasets: [dataset('calls', COLORS[0]), dataset('failures', COLORS[3])] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  };

  function drawSeries(series) {
    const labels = series.map((p) => clock(p.at));
    const tiers = charts.tiers.data.datasets;
    tiers[0].data = series.map((p) => p.tiers.l1);
    tiers[1].data = series.map((p) => p.tiers.l2);
    tiers[2].data = series.map((p) => p.tiers.stale);

    const names = [...new Set(series.flatMap((p) => Object.keys(p.policies)))].sort();
    charts.policies.data.datasets = names.map((name) => {
      const d = charts.policies.data.datasets.find((existing) => existing.label === name) || dataset(name, colorOf(name));
      d.data = series.map((p) => (name in p.policies ? p.policies[name] : null));
      return d;
    });

    const l2 = charts.l2.data.datasets;
    l2[0].data = series.map((p) => (p.l2Latency ? p.l2Latency.p50Ms : null));
    l2[1].data = series.map((p) => (p.l2Latency ? p.l2Latency.p95Ms : null));
    l2[2].data = series.map((p) => (p.l2Latency ? p.l2Latency.maxMs : null));

    const upstream = charts.upstream.data.datasets;
    upstream[0].data = series.map((p) => p.upstreamCalls);
    upstream[1].data = series.map((p) => p.upstreamFailures);

    for (const chart of Object.values(charts)) {
      chart.data.labels = labels;
      chart.update('none');
    }
  }

  // Width through the CSSOM (allowed by the CSP, unlike a style attribute); amber past 90 %.
  function meter(id, ratio) {
    const el = $(id);
    el.style.width = `${Math.min(100, Math.max(0, ratio * 100)).toFixed(1)}%`;
    el.style.background = ratio > 0.9 ? '#d29922' : '';
  }

  // A policy keeps its colour whatever else appears: picked from its name, not its position.
  function colorOf(name) {
    let hash = 0;
    for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    return COLORS[hash % COLORS.length];
  }

  function badge(id, text, tone) {
    const el = $(id);
    el.textContent = text;
    el.className = `badge ${tone}`;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.appendChild(td);
    }
    return tr;
  }

  function drawWarmup(w) {
    if (!w) return;
    set('warmup-summary', `${w.id} · ${w.trigger} · ${w.status} · ${w.done}/${w.total} tasks (${w.percent.toFixed(0)} %)`);
    $('warmup-progress').max = Math.max(1, w.total);
    $('warmup-progress').value = w.done;
    const eta = w.etaMs === null ? '' : ` · ETA ${Math.ceil(w.etaMs / 1000)} s`;
    const failures = Object.entries(w.failuresByCode).map(([code, n]) => `${code} ${n}`).join(', ');
    set('warmup-detail', `${w.symbols} symbols · ${w.rate.toFixed(1)} tasks/s${eta} · ${w.failed} failed${failures ? ` (${failures})` : ''}`);
  }

  function draw(d) {
    badge('backend', d.backend, d.backend === 'redis' ? 'ok' : 'warn');
    badge('breaker', d.breaker, { closed: 'ok', disabled: '', 'half-open': 'warn', open: 'bad' }[d.breaker]);
    set('updated-at', clock(d.generatedAt));
    set('interval', d.sampleIntervalMs >= 1000 ? `${d.sampleIntervalMs / 1000} s` : `${d.sampleIntervalMs} ms`);

    set('hit-rate', percent(d.totals.hitRate));
    set('lookups', number(d.totals.lookups));
    set('l1-entries', number(d.l1.entries));
    set('l1-max-entries', number(d.l1.maxEntries));
    meter('l1-entries-bar', d.l1.entries / d.l1.maxEntries);
    set('l1-bytes', bytes(d.l1.bytes));
    set('l1-max-bytes', bytes(d.l1.maxBytes));
    meter('l1-bytes-bar', d.l1.bytes / d.l1.maxBytes);
    const latest = [...d.series].reverse().find((p) => p.l2Latency);
    set('l2-p95', latest ? ms(latest.l2Latency.p95Ms) : '–');
    set('l2-p50', latest ? ms(latest.l2Latency.p50Ms) : '–');
    set('l2-failures', number(d.l2.errors + d.l2.timeouts + d.l2.circuitOpenRejections + d.l2.corruptEntries));
    set('upstream-calls', number(d.upstream.calls));
    set('upstream-failures', number(d.upstream.failures));
    set('upstream-in-flight', number(d.upstream.inFlight));
    set('upstream-provider', d.upstream.provider);

    $('policies').replaceChildren(
      ...Object.entries(d.policies).map(([name, p]) => row([name, number(p.lookups), number(p.hitsL1), number(p.hitsL2), number(p.stale), number(p.misses), percent(p.hitRate)])),
    );
    $('top-keys').replaceChildren(...d.topKeys.map((k) => row([k.key, number(Math.round(k.hits))])));
    drawWarmup(d.warmup);
    drawSeries(d.series);
  }

  let intervalMs = 5000;
  async function poll() {
    try {
      const response = await fetch(DATA_URL, { credentials: 'same-origin', cache: 'no-store' });
      // The session expired or the key changed: the page route shows the key form again.
      if (response.status === 401) return location.reload();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      intervalMs = data.sampleIntervalMs;
      draw(data);
      set('status', '');
    } catch (error) {
      set('status', `Cannot refresh: ${error.message}`);
    }
    setTimeout(poll, Math.max(500, intervalMs));
  }

  $('logout').addEventListener('click', async () => {
    await fetch('/api/v1/admin/dashboard/logout', { method: 'POST', credentials: 'same-origin' });
    location.reload();
  });
  poll();
})();
