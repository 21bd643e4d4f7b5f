/* global document, window, fetch, setTimeout, console */
// The admin dashboard: polls /admin/api/overview every 2 s and fills the page.
// Plain script, no build step. Every value goes in through textContent, never
// innerHTML: source answers are not trusted markup.
'use strict';
(function () {
  const POLL_MS = 2000;
  const OVERVIEW = '/admin/api/overview';
  const DASH = '–';

  const $ = (id) => document.getElementById(id);

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  const GOOD = ['closed', 'healthy', 'True', 'ok', 'live'];
  const WARN = ['half-open', 'halfOpen', 'half_open', 'degraded', 'Unknown'];
  function stateClass(value) {
    if (GOOD.includes(value)) return 'state-ok';
    if (WARN.includes(value)) return 'state-warn';
    if (value === null || value === undefined) return 'state-unknown';
    return 'state-bad';
  }

  function badge(text, state) {
    return el('span', text === null || text === undefined ? DASH : text, 'badge ' + stateClass(state === undefined ? text : state));
  }

  function show(target, content) {
    const node = typeof target === 'string' ? $(target) : target;
    if (!node) return;
    node.replaceChildren(typeof content === 'object' && content !== null ? content : document.createTextNode(content === null || content === undefined ? DASH : String(content)));
  }

  const pct = (ratio) => (ratio === null || ratio === undefined ? DASH : (ratio * 100).toFixed(1) + ' %');
  const count = (n) => (n === null || n === undefined ? DASH : Number(n).toLocaleString('en'));
  function seconds(s) {
    if (s === null || s === undefined) return DASH;
    if (s < 1) return Math.round(s * 1000) + ' ms';
    if (s < 120) return s.toFixed(1) + ' s';
    if (s < 7200) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }
  function time(iso) {
    if (!iso) return DASH;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? DASH : d.toLocaleTimeString('en-GB');
  }

  /** Replaces a table's body: one row per item, or one row saying why there is none. */
  function fillTable(id, items, toCells, empty, rowAttr) {
    const body = $(id) && $(id).tBodies[0];
    if (!body) return;
    const width = $(id).tHead.rows[0].cells.length;
    const rows = [];
    if (!items || items.length === 0) {
      const td = typeof empty === 'object' ? empty : el('td', empty, 'empty');
      td.colSpan = width;
      const tr = el('tr');
      tr.append(td);
      rows.push(tr);
    } else {
      for (const item of items) {
        const tr = el('tr');
        if (rowAttr) tr.dataset[rowAttr[0]] = item[rowAttr[1]];
        for (const [content, className] of toCells(item)) {
          const td = el('td', null, className);
          show(td, content);
          tr.append(td);
        }
        rows.push(tr);
      }
    }
    body.replaceChildren(...rows);
  }

  function unreachableCell(source) {
    return el('td', 'unreachable: ' + source.error, 'empty unreachable');
  }

  function renderCache(routes) {
    let hit = 0;
    let miss = 0;
    let other = 0;
    for (const r of routes) {
      hit += r.counts.hit;
      miss += r.counts.miss;
      other += r.counts.unavailable + r.counts.bypass;
    }
    show('tile-hit-ratio', pct(hit + miss === 0 ? null : hit / (hit + miss)));
    show('tile-hit-detail', count(hit) + ' hit · ' + count(miss) + ' miss · ' + count(other) + ' unavailable/bypass');
    fillTable('cache-table', routes, (r) => [
      [r.route, 'route'],
      [pct(r.hitRatio), 'hit-ratio'],
      [count(r.counts.hit), 'hit'],
      [count(r.counts.miss), 'miss'],
      [count(r.counts.unavailable), 'unavailable'],
      [count(r.counts.bypass), 'bypass'],
      [count(r.total), 'total'],
    ], 'No cached route has answered yet.', ['route', 'route']);
  }

  function renderSidecar(s) {
    if (s.status !== 'ok') {
      show('sidecar-status', badge('unreachable: ' + s.error, 'unreachable'));
      for (const id of ['sidecar-backend', 'sidecar-breaker', 'sidecar-failures', 'sidecar-last-error']) show(id, DASH);
      show('tile-sidecar', badge('unreachable', 'unreachable'));
      show('tile-sidecar-detail', s.error);
      return;
    }
    show('sidecar-status', badge('reachable', 'ok'));
    show('sidecar-backend', s.backend);
    show('sidecar-breaker', badge(s.breaker.state));
    show('sidecar-failures', count(s.breaker.consecutiveFailures));
    show('sidecar-last-error', s.breaker.lastError || 'none');
    show('tile-sidecar', badge(s.breaker.state));
    show('tile-sidecar-detail', 'backend ' + (s.backend || DASH) + (s.breaker.openSince ? ' · open since ' + time(s.breaker.openSince) : ''));
  }

  function renderLlm(l) {
    if (l.status !== 'ok') {
      fillTable('llm-table', [], null, unreachableCell(l));
      show('tile-llm', badge('unreachable', 'unreachable'));
      show('tile-llm-detail', l.error);
      return;
    }
    fillTable('llm-table', l.providers, (p) => [
      [p.name, 'provider'],
      [badge(p.breaker), 'breaker'],
      [p.errorPct === null ? DASH : p.errorPct.toFixed(1) + ' %', 'error-rate'],
      [count(p.calls), 'calls'],
      [count(p.failures), 'failures'],
      [p.lastErrorKind ? p.lastErrorKind + ' at ' + time(p.lastErrorAt) : 'none', 'last-error'],
    ], 'The proxy reports no provider.', ['provider', 'name']);
    const closed = l.providers.filter((p) => p.breaker === 'closed').length;
    show('tile-llm', badge(closed + ' / ' + l.providers.length + ' closed', closed === l.providers.length ? 'ok' : 'open'));
    show('tile-llm-detail', l.providers.map((p) => p.name + ' ' + (p.breaker || DASH)).join(' · '));
  }

  function renderQueues(q) {
    if (q.status !== 'ok') {
      fillTable('queues-table', [], null, unreachableCell(q));
      show('tile-queues', badge('unreachable', 'unreachable'));
      show('tile-queues-detail', q.error);
      return;
    }
    fillTable('queues-table', q.queues, (x) => [
      [x.name, 'queue'],
      [badge(x.health + (x.paused ? ' (paused)' : ''), x.health), 'health'],
      [count(x.backlog), 'backlog'],
      [seconds(x.oldestReadyAgeSeconds), 'oldest'],
      [seconds(x.lagP95Seconds), 'lag'],
      [pct(x.errorRatio), 'error-ratio'],
      [count(x.workers), 'workers'],
      [x.source, 'source'],
    ], 'The worker watches no queue.', ['queue', 'name']);
    const healthy = q.queues.filter((x) => x.health === 'healthy').length;
    show('tile-queues', badge(healthy + ' / ' + q.queues.length + ' healthy', healthy === q.queues.length ? 'ok' : 'degraded'));
    show('tile-queues-detail', 'backlog ' + count(q.queues.reduce((n, x) => n + (x.backlog || 0), 0)));
  }

  function renderAutoscalers(a) {
    if (a.cluster === 'none') {
      fillTable('autoscalers-table', [], null, 'No cluster: the app is not running in Kubernetes and found no kubeconfig.');
      show('tile-autoscalers', badge('no cluster', null));
      show('tile-autoscalers-detail', '');
      return;
    }
    if (a.status !== 'ok') {
      fillTable('autoscalers-table', [], null, unreachableCell(a));
      show('tile-autoscalers', badge('unreachable', 'unreachable'));
      show('tile-autoscalers-detail', a.error);
      return;
    }
    fillTable('autoscalers-table', a.items, (x) => [
      [(a.namespace ? '' : x.namespace + '/') + x.name, 'name'],
      [x.target, 'target'],
      [count(x.currentReplicas) + ' → ' + count(x.desiredReplicas), 'replicas'],
      [x.ready ? badge(x.ready.reason || x.ready.status, x.ready.status) : DASH, 'ready'],
      [x.lastMetrics ? count(x.lastMetrics.readyBacklog) : DASH, 'backlog'],
      [x.lastMetrics ? seconds(x.lastMetrics.oldestReadyAgeSeconds) : DASH, 'oldest'],
      [time(x.lastScaleTime), 'last-scale'],
    ], 'No QueueAutoscaler' + (a.namespace ? ' in namespace ' + a.namespace : '') + '.', ['autoscaler', 'name']);
    const ready = a.items.filter((x) => x.ready && x.ready.status === 'True').length;
    show('tile-autoscalers', badge(ready + ' / ' + a.items.length + ' ready', ready === a.items.length ? 'ok' : 'degraded'));
    show('tile-autoscalers-detail', a.namespace ? 'namespace ' + a.namespace : 'all namespaces');
  }

  function render(o) {
    renderCache(o.cache.routes);
    renderSidecar(o.sidecar);
    renderLlm(o.llm);
    renderQueues(o.queues);
    renderAutoscalers(o.autoscalers);
    show('updated', time(o.generatedAt));
  }

  async function poll() {
    try {
      const res = await fetch(OVERVIEW, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } });
      if (res.status === 401) {
        window.location.assign('/admin/login');
        return;
      }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      render(await res.json());
      show('poll-state', badge('live', 'live'));
    } catch (err) {
      console.warn('admin overview', err);
      show('poll-state', badge('stale: ' + (err && err.message ? err.message : 'failed'), 'stale'));
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
