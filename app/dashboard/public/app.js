// @ts-check
// The dashboard page: polls the JSON endpoints of app/dashboard/server.ts and draws them with uPlot.
// Plain JavaScript (no build step); the server shapes the data, this file only renders it.

/** @typedef {import('../types.js').StatusView} StatusView */
/** @typedef {import('../types.js').MachinesView} MachinesView */
/** @typedef {import('../types.js').MachineRow} MachineRow */
/** @typedef {import('../types.js').MachineDetailView} MachineDetailView */
/** @typedef {import('../types.js').FleetView} FleetView */
/** @typedef {import('../types.js').DriftView} DriftView */
/** @typedef {import('../types.js').DriftPanel} DriftPanel */
/** @typedef {import('../types.js').EventsView} EventsView */

/** @type {any} */
const uPlot = /** @type {any} */ (globalThis).uPlot;

const POLL_LIVE_MS = 1500;
const POLL_FINISHED_MS = 10_000;
const MODES = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
const MODE_NAMES = {
  TWF: 'tool wear',
  HDF: 'heat dissipation',
  PWF: 'power',
  OSF: 'overstrain',
  RNF: 'random',
};
const COLORS = {
  text: '#e6edf3',
  muted: '#8b949e',
  grid: 'rgba(139, 148, 158, 0.13)',
  ok: '#3fb950',
  warn: '#d29922',
  bad: '#f85149',
  info: '#58a6ff',
  TWF: '#58a6ff',
  HDF: '#ff9f43',
  PWF: '#bc8cff',
  OSF: '#ff6b81',
  RNF: '#7ee0c3',
};

const state = {
  /** @type {string | null} */
  selected: null,
  /** a person's click pins the machine; otherwise the detail follows the riskiest one */
  pinned: false,
  sort: { key: 'risk', dir: -1 },
  /** @type {MachineRow[]} */
  machines: [],
  running: false,
  /** @type {Map<string, any>} */
  charts: new Map(),
};

// ---------- small helpers ----------

/**
 * Builds an element: h('td', { class: 'num' }, 'text', child).
 * @param {string} tag
 * @param {Record<string, string | number | boolean | undefined>} [attrs]
 * @param {...(Node | string | number | null | undefined)} children
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

const intFormat = new Intl.NumberFormat('en-US');
/** @param {number | null | undefined} n */
const int = (n) => (n === null || n === undefined ? '—' : intFormat.format(Math.round(n)));
/** @param {number} p */
const pct = (p) => (p < 0.095 ? `${(p * 100).toFixed(1)}%` : `${Math.round(p * 100)}%`);
/** @param {number} x @param {number} [d] */
const fixed = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
/** @param {number} x */
const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
/** @param {number} ms */
const clock = (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
/** @param {string} scope */
const scopeName = (scope) => (scope.startsWith('quality:') ? `type ${scope.slice(8)}` : scope);
/** @param {number} ms */
const duration = (ms) =>
  ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`;
/** A value at the precision a chart label needs: 12,345 · 41.7 · 0.35. @param {number} v */
const tick = (v) =>
  Math.abs(v) >= 1000
    ? intFormat.format(v)
    : Math.abs(v) >= 10
      ? String(Math.round(v * 10) / 10)
      : String(Math.round(v * 100) / 100);

/** @param {string} path */
async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) {
    const body = await res.json().catch(() => ({ error: res.statusText }));
    throw Object.assign(new Error(body.error ?? res.statusText), { status: res.status });
  }
  return res.json();
}

// ---------- charts ----------

/**
 * Time tick labels as a clock (HH:MM:SS, or HH:MM over an hour), one line instead of uPlot's date rows.
 * @param {any} u
 * @param {number[]} ticks
 */
function timeValues(u, ticks) {
  const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
  /** @type {Intl.DateTimeFormatOptions} */
  const format =
    span < 3600
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { hour: '2-digit', minute: '2-digit' };
  return ticks.map((t) => new Date(t * 1000).toLocaleTimeString('en-GB', { ...format, hour12: false }));
}

/**
 * Round ticks, at least two of them, between a scale's min and max: uPlot's own spacing can leave a short
 * chart with a single tick, which gives no sense of scale.
 * @param {any} _u @param {number} _axis @param {number} min @param {number} max
 */
function roundTicks(_u, _axis, min, max) {
  if (!(max > min)) return [min];
  const room = (max - min) / 2.5;
  const magnitude = 10 ** Math.floor(Math.log10(room));
  const step = [5, 2.5, 2, 1].map((m) => m * magnitude).find((x) => x <= room) ?? magnitude;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** A y axis with round ticks and labels at the precision they need. */
const roundAxis = (extra = {}) =>
  axis('s', {
    splits: roundTicks,
    values: (/** @type {any} */ _u, /** @type {number[]} */ t) => t.map(tick),
    ...extra,
  });

/** @param {'s' | 'x'} [kind] */
function axis(kind = 's', extra = {}) {
  return {
    stroke: COLORS.muted,
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid, width: 1, size: 4 },
    font: '11px system-ui, sans-serif',
    size: kind === 'x' ? 26 : 46,
    ...(kind === 'x' ? { values: timeValues, space: 64 } : {}),
    ...extra,
  };
}

/**
 * Creates the chart once, then only swaps its data; recreated when its shape changes.
 * @param {string} id element id
 * @param {(width: number) => any} makeOptions
 * @param {any[]} data uPlot columns
 * @param {number} height
 */
function chart(id, makeOptions, data, height) {
  const el = byId(id);
  const key = `${id}:${data.length}`;
  const existing = state.charts.get(id);
  if (existing && existing.key === key) {
    existing.plot.setData(data);
    return;
  }
  if (existing) existing.plot.destroy();
  el.replaceChildren();
  const width = Math.max(200, el.clientWidth);
  const plot = new uPlot({ ...makeOptions(width), width, height }, data, el);
  state.charts.set(id, { key, plot, el });
}

/** @param {string} id */
function dropChart(id) {
  const existing = state.charts.get(id);
  if (existing) existing.plot.destroy();
  state.charts.delete(id);
  document.getElementById(id)?.replaceChildren();
}

// The live charts, for a look from the browser console (and the browser test): pfmDashboard.charts.get(id).plot.
/** @type {any} */ (globalThis).pfmDashboard = { charts: state.charts };

const resize = new ResizeObserver(() => {
  for (const { plot, el } of state.charts.values()) {
    const width = Math.max(200, el.clientWidth);
    if (Math.abs(plot.width - width) > 2) plot.setSize({ width, height: plot.height });
  }
});
resize.observe(document.body);

/** uPlot options shared by every chart: no built-in legend, a muted crosshair. */
function base() {
  return {
    legend: { show: false },
    cursor: { points: { size: 6 }, drag: { x: false, y: false } },
    padding: [8, 8, 0, 0],
  };
}

/** @param {string} el @param {[string, string, boolean?][]} items label, colour, dot */
function legend(el, items) {
  byId(el).replaceChildren(
    ...items.map(([label, color, dot]) => {
      const swatch = h('i', { class: dot ? 'dot' : '' });
      swatch.style.background = color;
      return h('span', {}, swatch, label);
    }),
  );
}

const pointsOnly = { paths: () => null, points: { show: true, size: 7, width: 0, fill: COLORS.bad } };

// ---------- rendering ----------

/**
 * @param {string} label
 * @param {string} value
 * @param {string} sub
 * @param {string} [tone] good | warn | bad | info
 * @param {string} [unit]
 */
function tile(label, value, sub, tone = '', unit = '') {
  return h(
    'div',
    { class: `kpi ${tone}`, 'data-kpi': label },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value, unit ? h('span', { class: 'unit' }, unit) : null),
    h('div', { class: 'sub', title: sub }, sub),
  );
}

/**
 * @param {StatusView} status
 * @param {DriftView} drift
 */
function renderHeader(status, drift) {
  const run = byId('run-pill');
  run.className = `pill ${status.running ? 'live' : 'finished'}`;
  run.textContent = status.running ? 'live' : status.mode === 'live' ? 'run complete' : 'finished run';
  const pill = byId('drift-pill');
  pill.className = `pill ${drift.fleet ?? ''}`;
  pill.textContent = drift.fleet
    ? { OK: 'no drift', WARN: 'drift warning', DRIFT: 'drift detected' }[drift.fleet]
    : drift.available
      ? 'drift: first window filling'
      : 'drift monitor off';
  byId('updated').textContent = `updated ${clock(status.generatedAt)}`;
  byId('data-dir').textContent = status.dataDir;
  document.title = `${drift.fleet === 'DRIFT' ? '⚠ ' : ''}pfm · fleet monitor`;
}

/**
 * @param {StatusView} status
 * @param {MachinesView} machines
 * @param {DriftView} drift
 * @param {EventsView} events
 */
function renderKpis(status, machines, drift, events) {
  const p = status.pipeline;
  const high = machines.machines.filter((m) => m.level === 'high').length;
  const elevated = machines.machines.filter((m) => m.level === 'elevated').length;
  const quarantine = Object.entries(p.quarantinedByCode).sort((a, b) => b[1] - a[1]);
  const topMode = MODES.map(
    (m) =>
      /** @type {[string, number]} */ ([
        m,
        p.predictedByMode[/** @type {keyof typeof p.predictedByMode} */ (m)] ?? 0,
      ]),
  ).sort((a, b) => b[1] - a[1])[0];
  const lagTone = p.lagRecords === null ? '' : p.lagRecords > 5000 ? 'warn' : 'good';
  byId('kpis').replaceChildren(
    tile(
      'Scored',
      int(p.scored),
      p.produced !== null ? `of ${int(p.produced)} produced` : 'in the store',
      'info',
    ),
    tile(
      'Throughput',
      p.recordsPerSecond === null ? '—' : int(p.recordsPerSecond),
      p.elapsedMs === null ? 'live runs only' : `${fixed(p.elapsedMs / 1000)} s elapsed`,
      p.recordsPerSecond === null ? '' : 'good',
      p.recordsPerSecond === null ? '' : 'rec/s',
    ),
    tile(
      'Lag',
      int(p.lagRecords),
      p.lagMs === null ? 'live runs only' : `${duration(p.lagMs)} behind`,
      lagTone,
      p.lagRecords === null ? '' : 'rec',
    ),
    tile(
      'Quarantined',
      int(p.quarantined),
      quarantine.length === 0
        ? 'no bad records'
        : `${quarantine.length} reason${quarantine.length === 1 ? '' : 's'}`,
      p.quarantined > 0 ? 'warn' : 'good',
    ),
    tile(
      'Dead-lettered',
      int(p.deadLettered),
      p.deadLettered ? 'in dead-letter.jsonl' : 'none',
      p.deadLettered ? 'bad' : 'good',
    ),
    tile(
      'Alarms',
      int(p.predictedFailures),
      topMode && topMode[1] > 0
        ? `most ${topMode[0]} (${MODE_NAMES[/** @type {keyof MODE_NAMES} */ (topMode[0])]})`
        : 'no failure predicted',
      p.predictedFailures > 0 ? 'bad' : 'good',
    ),
    tile(
      'Machines',
      int(p.devices),
      `${high} high · ${elevated} elevated`,
      high > 0 ? 'bad' : elevated > 0 ? 'warn' : 'good',
    ),
    tile(
      'Drift',
      drift.fleet ?? '—',
      drift.windows
        ? `${drift.windows.evaluated} windows · ${events.total} events`
        : `${drift.scopes.find((s) => s.scope === 'fleet')?.windows ?? 0} windows · ${events.total} events`,
      drift.fleet === 'DRIFT' ? 'bad' : drift.fleet === 'WARN' ? 'warn' : drift.fleet === 'OK' ? 'good' : '',
    ),
  );
}

/** @param {MachineRow} m @param {string} key */
function sortValue(m, key) {
  switch (key) {
    case 'toolWearMin':
    case 'torqueNm':
    case 'temperatureDeltaK':
    case 'rotationalSpeedRpm':
      return m.latest[key];
    case 'rank':
      return state.machines.indexOf(m);
    default:
      return /** @type {any} */ (m)[key];
  }
}

function renderMachines() {
  const { key, dir } = state.sort;
  // The server ranks by risk; ties and equal keys keep that order.
  const rows = state.machines
    .map((m, i) => ({ m, i }))
    .sort((a, b) => {
      const x = sortValue(a.m, key);
      const y = sortValue(b.m, key);
      const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return c !== 0 ? c * dir : a.i - b.i;
    });
  for (const th of document.querySelectorAll('#machines th')) {
    const el = /** @type {HTMLElement} */ (th);
    el.classList.toggle('sorted', el.dataset.key === key);
    el.classList.toggle('asc', el.dataset.key === key && dir === 1);
  }
  const tbody = /** @type {HTMLElement} */ (document.querySelector('#machines tbody'));
  tbody.replaceChildren(
    ...rows.map(({ m, i }) => {
      const bar = h('span', { class: `bg-${m.level}` });
      bar.style.width = `${Math.max(2, m.risk * 100)}%`;
      const tr = h(
        'tr',
        { 'data-device': m.deviceId, class: m.deviceId === state.selected ? 'selected' : '' },
        h('td', { class: 'num muted' }, i + 1),
        h('td', { class: 'device' }, m.deviceId),
        h('td', {}, m.qualityType),
        h(
          'td',
          {},
          h(
            'div',
            { class: 'riskcell' },
            h('div', { class: 'riskbar' }, bar),
            h('span', { class: `riskval level-${m.level}` }, pct(m.risk)),
          ),
        ),
        h(
          'td',
          { title: MODE_NAMES[/** @type {keyof MODE_NAMES} */ (m.leadingMode)] },
          h('span', { class: `mode mode-${m.leadingMode}` }, m.leadingMode),
          ' ',
          h('span', { class: 'muted' }, pct(m.leadingModeProbability)),
        ),
        h('td', { class: `num ${m.predictedFailures > 0 ? 'alarms-hot' : 'muted'}` }, m.predictedFailures),
        h('td', { class: 'num' }, int(m.latest.toolWearMin)),
        h('td', { class: 'num' }, fixed(m.latest.torqueNm)),
        h('td', { class: 'num' }, fixed(m.latest.temperatureDeltaK)),
        h('td', { class: 'num' }, int(m.latest.rotationalSpeedRpm)),
      );
      tr.addEventListener('click', () => {
        state.selected = m.deviceId;
        state.pinned = true;
        renderMachines();
        void refreshDetail();
      });
      return tr;
    }),
  );
  byId('machines-empty').hidden = state.machines.length > 0;
}

/** @param {MachineDetailView} d */
function renderDetail(d) {
  const m = state.machines.find((x) => x.deviceId === d.deviceId);
  byId('detail-title').textContent = `Machine ${d.deviceId}`;
  byId('detail-note').textContent = m
    ? `type ${m.qualityType} · risk ${pct(m.risk)} · leading ${m.leadingMode} (${MODE_NAMES[/** @type {keyof MODE_NAMES} */ (m.leadingMode)]}) · ${d.alarms} alarm${d.alarms === 1 ? '' : 's'} in the last ${d.points} readings`
    : `${d.points} readings`;
  const threshold = d.alarmThreshold;
  legend('detail-legend', [
    [`risk (mean of ${d.window})`, COLORS.text],
    ...MODES.map(
      (mode) => /** @type {[string, string]} */ ([mode, COLORS[/** @type {keyof COLORS} */ (mode)]]),
    ),
    ['reading', 'rgba(139, 148, 158, 0.6)'],
    ['alarm', COLORS.bad, true],
    ...(threshold === null
      ? []
      : /** @type {[string, string][]} */ ([[`alarm threshold ${pct(threshold)}`, COLORS.bad]])),
  ]);
  const c = d.columns;
  chart(
    'chart-risk',
    () => ({
      ...base(),
      scales: { x: { time: true }, y: { range: [0, 1] } },
      axes: [
        axis('x'),
        axis('s', {
          values: (/** @type {any} */ _u, /** @type {number[]} */ t) =>
            t.map((v) => `${Math.round(v * 100)}%`),
        }),
      ],
      series: [
        {},
        { label: 'reading', stroke: 'rgba(139, 148, 158, 0.45)', width: 1 },
        ...MODES.map((mode) => ({
          label: mode,
          stroke: COLORS[/** @type {keyof COLORS} */ (mode)],
          width: 1.5,
        })),
        { label: 'risk', stroke: COLORS.text, width: 2.5 },
        { label: 'alarm', ...pointsOnly },
        // A reading above the model's any-failure threshold is an alarm: the line shows how close the rest came.
        { label: 'alarm threshold', stroke: COLORS.bad, width: 1.25, dash: [6, 4], points: { show: false } },
      ],
    }),
    [
      c.time,
      c.risk,
      ...MODES.map((mode) => c.modeMeans[/** @type {keyof typeof c.modeMeans} */ (mode)]),
      c.riskMean,
      c.alarm,
      c.time.map(() => threshold),
    ],
    210,
  );
  /** @type {[string, number[], string][]} */
  const minis = [
    ['chart-torque', c.torqueNm, COLORS.HDF],
    ['chart-wear', c.toolWearMin, COLORS.TWF],
    ['chart-speed', c.rotationalSpeedRpm, COLORS.PWF],
    ['chart-dt', c.temperatureDeltaK, COLORS.RNF],
  ];
  for (const [id, values, color] of minis) {
    chart(
      id,
      () => ({
        ...base(),
        scales: { x: { time: true } },
        axes: [axis('x', { size: 24, space: 52 }), roundAxis({ size: 46 })],
        series: [{}, { stroke: color, width: 1.5, fill: `${color}1f` }],
      }),
      [c.time, values],
      92,
    );
  }
}

/** @param {FleetView} fleet */
function renderFleet(fleet) {
  const c = fleet.columns;
  const total = c.predictions.reduce((a, b) => a + b, 0);
  const alarms = c.alarms.reduce((a, b) => a + b, 0);
  byId('fleet-note').textContent = total
    ? `${int(total)} predictions · ${int(alarms)} alarms (${((100 * alarms) / total).toFixed(1)}%) · by reading time`
    : '';
  legend('fleet-legend', [
    ['alarms per interval (count)', 'rgba(248, 81, 73, 0.75)'],
    ['mean failure probability (%)', COLORS.info],
  ]);
  if (c.time.length === 0) {
    dropChart('chart-fleet-alarms');
    dropChart('chart-fleet-risk');
  } else {
    // Counts and probabilities on charts of their own: each axis means one thing.
    chart(
      'chart-fleet-alarms',
      () => ({
        ...base(),
        scales: {
          x: { time: true },
          y: {
            range: (/** @type {any} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [
              0,
              Math.max(4, Math.ceil(max * 1.15)),
            ],
          },
        },
        axes: [
          axis('x'),
          axis('s', {
            size: 46,
            splits: (
              /** @type {any} */ u,
              /** @type {number} */ i,
              /** @type {number} */ min,
              /** @type {number} */ max,
            ) => roundTicks(u, i, min, max).filter((v) => Number.isInteger(v)),
            values: (/** @type {any} */ _u, /** @type {number[]} */ t) => t.map((v) => int(v)),
          }),
        ],
        series: [
          {},
          {
            label: 'alarms',
            stroke: 'rgba(248, 81, 73, 0.9)',
            fill: 'rgba(248, 81, 73, 0.45)',
            width: 0,
            paths: uPlot.paths.bars({ size: [0.75, 24] }),
            points: { show: false },
          },
        ],
      }),
      [c.time, c.alarms],
      120,
    );
    chart(
      'chart-fleet-risk',
      () => ({
        ...base(),
        scales: {
          x: { time: true },
          // A fleet's mean probability sits low: scale to it (at most 100%) so its movements show.
          y: {
            range: (/** @type {any} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [
              0,
              Math.min(1, Math.max(0.1, max * 1.25)),
            ],
          },
        },
        axes: [
          axis('x'),
          axis('s', {
            size: 46,
            splits: roundTicks,
            values: (/** @type {any} */ _u, /** @type {number[]} */ t) =>
              t.map((v) => `${Number((v * 100).toPrecision(3))}%`),
          }),
        ],
        series: [{}, { label: 'mean risk', stroke: COLORS.info, width: 2, fill: 'rgba(88, 166, 255, 0.08)' }],
      }),
      [c.time, c.meanRisk],
      120,
    );
  }
  const max = Math.max(
    1,
    ...MODES.map((m) => fleet.alarmsByMode[/** @type {keyof typeof fleet.alarmsByMode} */ (m)]),
  );
  byId('modes').replaceChildren(
    h('div', { class: 'bars-title' }, 'Alarms by failure mode'),
    ...MODES.flatMap((m) => {
      const n = fleet.alarmsByMode[/** @type {keyof typeof fleet.alarmsByMode} */ (m)];
      const fill = h('span');
      fill.style.width = `${(100 * n) / max}%`;
      fill.style.background = COLORS[/** @type {keyof COLORS} */ (m)];
      return [
        h(
          'div',
          {},
          h('span', { class: `mode mode-${m}` }, m),
          ' ',
          h('span', { class: 'muted' }, MODE_NAMES[/** @type {keyof MODE_NAMES} */ (m)]),
        ),
        h('div', { class: 'track' }, fill),
        h('div', { class: 'n' }, int(n)),
      ];
    }),
  );
}

/** @param {StatusView} status */
function renderPipeline(status) {
  const hist = status.history;
  const p = status.pipeline;
  const accounted = p.scored + p.quarantined + p.deadLettered;
  byId('pipeline-note').textContent =
    p.produced !== null
      ? `${int(p.produced)} produced = ${int(p.scored)} scored + ${int(p.quarantined)} quarantined + ${int(p.deadLettered)} dead-lettered + ${int(p.produced - accounted)} in flight`
      : `${int(accounted)} records = ${int(p.scored)} scored + ${int(p.quarantined)} quarantined + ${int(p.deadLettered)} dead-lettered`;
  const hasHistory = hist.time.length >= 2;
  byId('pipeline-empty').hidden = hasHistory;
  byId('pipeline-legend').hidden = !hasHistory;
  if (hasHistory) {
    legend('pipeline-legend', [
      ['records per second', COLORS.ok],
      ['lag (records)', COLORS.warn],
    ]);
    chart(
      'chart-pipeline',
      () => ({
        ...base(),
        scales: {
          x: { time: true },
          lag: {
            range: (/** @type {any} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [
              0,
              Math.max(10, max * 1.1),
            ],
          },
        },
        axes: [
          axis('x'),
          axis('s', { size: 52 }),
          axis('s', { scale: 'lag', side: 1, grid: { show: false }, size: 52 }),
        ],
        series: [
          {},
          { label: 'rec/s', stroke: COLORS.ok, width: 2, fill: 'rgba(63, 185, 80, 0.12)' },
          { label: 'lag', scale: 'lag', stroke: COLORS.warn, width: 1.5 },
        ],
      }),
      [hist.time, hist.recordsPerSecond, hist.lagRecords],
      200,
    );
  } else dropChart('chart-pipeline');

  /** @type {[string, number, string][]} */
  const parts = [
    ['scored', p.scored, COLORS.ok],
    ['quarantined', p.quarantined, COLORS.warn],
    ['dead-lettered', p.deadLettered, COLORS.bad],
    ...(p.produced !== null
      ? /** @type {[string, number, string][]} */ ([
          ['in flight', Math.max(0, p.produced - accounted), COLORS.muted],
        ])
      : []),
  ];
  const whole = Math.max(
    1,
    parts.reduce((sum, [, n]) => sum + n, 0),
  );
  byId('accounting').replaceChildren(
    ...parts
      .filter(([, n]) => n > 0)
      .map(([label, n, color]) => {
        const part = h('span', { title: `${label}: ${int(n)}` });
        part.style.width = `max(3px, ${(100 * n) / whole}%)`;
        part.style.background = color;
        return part;
      }),
  );
  legend(
    'accounting-legend',
    parts.map(
      ([label, n, color]) => /** @type {[string, string, boolean]} */ ([`${label} ${int(n)}`, color, true]),
    ),
  );

  const codes = Object.entries(p.quarantinedByCode);
  const max = Math.max(1, ...codes.map(([, n]) => n));
  byId('quarantine').replaceChildren(
    h(
      'div',
      { class: 'bars-title' },
      `Quarantine · ${int(p.quarantined)} record${p.quarantined === 1 ? '' : 's'} kept with their raw bytes`,
    ),
    ...(codes.length === 0
      ? [h('div', { class: 'muted' }, 'nothing quarantined'), h('div'), h('div')]
      : codes.flatMap(([code, n]) => {
          const fill = h('span');
          fill.style.width = `${(100 * n) / max}%`;
          fill.style.background = COLORS.warn;
          return [
            h('div', {}, h('code', {}, code)),
            h('div', { class: 'track' }, fill),
            h('div', { class: 'n' }, int(n)),
          ];
        })),
  );
}

/** @param {DriftView} drift */
function renderDrift(drift) {
  byId('scopes').replaceChildren(
    ...drift.scopes.map((s) =>
      h(
        'span',
        { class: `pill ${s.state}`, title: `${s.windows} windows evaluated` },
        `${scopeName(s.scope)} ${s.state}`,
      ),
    ),
    ...(drift.windows
      ? [
          h(
            'span',
            { class: 'muted small' },
            `next window ${int(drift.windows.openRecords)} / ${int(drift.windows.windowRecords)} readings`,
          ),
        ]
      : []),
  );
  const panels = drift.panels.filter((p) => p.series.time.length > 0);
  byId('drift-empty').hidden = panels.length > 0;
  const grid = byId('drift-grid');
  // Panels keep their place (reference order) so a person's eye finds a feature where it was.
  const wanted = panels.map((p) => `drift-${p.feature}`);
  for (const id of [...state.charts.keys()]) {
    if (id.startsWith('drift-') && !wanted.includes(id)) dropChart(id);
  }
  if ([...grid.children].map((c) => c.id).join() !== wanted.map((id) => `box-${id}`).join()) {
    for (const id of wanted) dropChart(id);
    grid.replaceChildren(
      ...panels.map((p) =>
        h(
          'div',
          { class: 'feature', id: `box-drift-${p.feature}`, 'data-feature': p.feature },
          h('div', { class: 'fhead' }, h('span', { class: 'fname' }), h('span', { class: 'shift' })),
          h('div', { class: 'fsub' }),
          h('div', { class: 'fstats' }),
          h('div', { class: 'chart', id: `drift-${p.feature}` }),
        ),
      ),
    );
  }
  for (const p of panels) renderFeature(p);
}

/** @param {DriftPanel} p */
function renderFeature(p) {
  const box = byId(`box-drift-${p.feature}`);
  const l = p.latest;
  box.classList.toggle('breached', Boolean(l?.breached));
  const name = /** @type {HTMLElement} */ (box.querySelector('.fname'));
  name.replaceChildren(p.label, ...(p.unit ? [h('span', { class: 'muted small' }, ` ${p.unit}`)] : []));
  name.title = p.feature;
  const shift = /** @type {HTMLElement} */ (box.querySelector('.shift'));
  shift.textContent = l ? `${signed(l.meanShift)} sd` : '';
  // Coloured against its limit when the run kept one: red past it, amber past half of it.
  const shiftLimit = l?.limits?.meanShift;
  const near = l
    ? shiftLimit !== undefined
      ? Math.abs(l.meanShift) > shiftLimit
        ? 'state-DRIFT'
        : Math.abs(l.meanShift) > shiftLimit / 2
          ? 'state-WARN'
          : 'muted'
      : Math.abs(l.meanShift) >= 0.25
        ? l.breached
          ? 'state-DRIFT'
          : 'state-WARN'
        : 'muted'
    : 'muted';
  shift.className = `shift ${near}`;
  const sub = /** @type {HTMLElement} */ (box.querySelector('.fsub'));
  const unitFmt = (/** @type {number} */ x) =>
    Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
  sub.replaceChildren(
    l && l.mean !== null && p.reference
      ? `window mean ${unitFmt(l.mean)} vs reference ${unitFmt(p.reference.mean)} ± ${unitFmt(p.reference.std)}`
      : l
        ? `last window of ${int(l.n)} readings`
        : '',
    ...(l?.breached
      ? [' ', h('span', { class: 'tag bad' }, l.tests.length ? `breached: ${l.tests.join(' ')}` : 'breached')]
      : []),
  );
  // Each statistic against the value at which this window would breach it, so "PSI 0.80, OK" explains itself.
  const stats = /** @type {HTMLElement} */ (box.querySelector('.fstats'));
  const lim = l?.limits ?? null;
  /** @param {string} name @param {string} value @param {string | null} limit @param {boolean} over @param {string} title */
  const stat = (name, value, limit, over, title) =>
    h(
      'span',
      { class: `stat${over ? ' over' : ''}`, title },
      `${name} ${value}`,
      limit === null ? null : h('span', { class: 'limit' }, ` / ${limit}`),
    );
  stats.replaceChildren(
    ...(l
      ? [
          stat(
            'shift',
            `${signed(l.meanShift)} sd`,
            lim ? `±${fixed(lim.meanShift, 2)}` : null,
            lim !== null && Math.abs(l.meanShift) > lim.meanShift,
            'window mean minus reference mean, in reference sd / the shift at which this window breaches',
          ),
          stat(
            'PSI',
            fixed(l.psi, 3),
            lim?.psi != null ? fixed(lim.psi, 3) : null,
            lim?.psi != null && l.psi > lim.psi,
            'population stability index on the reference deciles / its limit for a window of this size',
          ),
          stat(
            'var',
            `×${fixed(l.varianceRatio, 2)}`,
            lim?.varianceRatio != null
              ? `${fixed(lim.varianceRatio[0], 2)}–${fixed(lim.varianceRatio[1], 2)}`
              : null,
            lim?.varianceRatio != null &&
              (l.varianceRatio < lim.varianceRatio[0] || l.varianceRatio > lim.varianceRatio[1]),
            'window variance / reference variance, and the range a window of this size stays in',
          ),
          stat(
            'CUSUM',
            fixed(l.cusum, 2),
            '1',
            l.cusum >= 1,
            'slow-drift detector, as a fraction of its alarm threshold (1 = alarm)',
          ),
        ]
      : []),
  );
  const zero = p.series.time.map(() => 0);
  chart(
    `drift-${p.feature}`,
    () => ({
      ...base(),
      scales: {
        x: { time: true },
        y: {
          range: (/** @type {any} */ _u, /** @type {number} */ min, /** @type {number} */ max) => {
            const m = Math.max(0.5, Math.abs(min), Math.abs(max)) * 1.15;
            return [-m, m];
          },
        },
      },
      axes: [axis('x', { size: 24 }), roundAxis({ size: 38 })],
      series: [
        {},
        {
          label: 'reference',
          stroke: 'rgba(139, 148, 158, 0.7)',
          width: 1,
          dash: [4, 4],
          points: { show: false },
        },
        {
          label: 'mean shift',
          stroke: COLORS.info,
          width: 1.75,
          points: { show: true, size: 4, fill: COLORS.info },
        },
        { label: 'breached', ...pointsOnly },
        {
          label: 'limit',
          stroke: 'rgba(248, 81, 73, 0.55)',
          width: 1,
          dash: [2, 3],
          points: { show: false },
        },
        {
          label: '-limit',
          stroke: 'rgba(248, 81, 73, 0.55)',
          width: 1,
          dash: [2, 3],
          points: { show: false },
        },
      ],
    }),
    [
      p.series.time,
      zero,
      p.series.meanShift,
      p.series.breachedShift,
      p.series.shiftLimit,
      p.series.shiftLimit.map((x) => (x === null ? null : -x)),
    ],
    110,
  );
}

/** @param {EventsView} events */
function renderEvents(events) {
  const counts = Object.entries(events.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n} ${t}`)
    .join(' · ');
  byId('events-note').textContent = counts;
  byId('events-empty').hidden = events.total > 0;
  byId('events').replaceChildren(
    ...events.events.map((e) =>
      h(
        'li',
        { class: `event ${e.type}`, 'data-event-id': e.id, 'data-type': e.type },
        h(
          'div',
          { class: 'ehead' },
          h('span', { class: 'etype' }, e.type),
          h('span', { class: 'emeta' }, `${clock(e.time)} · window ${e.windowSeq}`),
        ),
        h(
          'div',
          { class: 'emeta' },
          h('strong', {}, scopeName(e.scope)),
          ' · ',
          h('span', { class: `state-${e.from}` }, e.from),
          ' → ',
          h('span', { class: `state-${e.to}` }, e.to),
          ` · severity ${e.severity} · rule ${e.rule}`,
        ),
        h(
          'div',
          { class: 'efeatures' },
          ...e.features
            .slice(0, 3)
            .flatMap((f, i) => [
              i > 0 ? ' · ' : '',
              h('span', { title: `${f.feature}; breached: ${f.breached.join(' ') || 'none'}` }, f.label),
              h('span', { class: f.breached.length ? 'state-DRIFT' : 'muted' }, ` ${signed(f.meanShift)} sd`),
              h('span', { class: 'muted' }, ` (PSI ${fixed(f.psi, 2)})`),
            ]),
        ),
      ),
    ),
  );
}

// ---------- polling ----------

async function refreshDetail() {
  if (!state.selected) return;
  try {
    renderDetail(await getJson(`/api/machines/${encodeURIComponent(state.selected)}`));
  } catch (error) {
    if (/** @type {any} */ (error).status === 404)
      byId('detail-note').textContent = 'no predictions for this machine';
    else throw error;
  }
}

async function refresh() {
  const [status, machines, fleet, drift, events] = await Promise.all([
    getJson('/api/status'),
    getJson('/api/machines'),
    getJson('/api/fleet'),
    getJson('/api/drift'),
    getJson('/api/events'),
  ]);
  state.running = status.running;
  state.machines = machines.machines;
  if (!state.pinned || !state.machines.some((m) => m.deviceId === state.selected)) {
    state.selected = state.machines[0]?.deviceId ?? null;
    state.pinned = false;
  }
  renderHeader(status, drift);
  renderKpis(status, machines, drift, events);
  byId('machines-note').textContent =
    `${machines.machines.length} machines · risk = mean failure probability over each one's last ${machines.window} readings · click a column to sort, a row for its history`;
  renderMachines();
  renderFleet(fleet);
  renderPipeline(status);
  renderDrift(drift);
  renderEvents(events);
  await refreshDetail();
  document.body.dataset.ready = 'true';
}

async function loop() {
  const banner = byId('banner');
  try {
    await refresh();
    banner.hidden = true;
  } catch (error) {
    banner.hidden = false;
    banner.textContent = `Cannot reach the dashboard server (${/** @type {Error} */ (error).message}); retrying…`;
  }
  setTimeout(loop, state.running ? POLL_LIVE_MS : POLL_FINISHED_MS);
}

for (const th of document.querySelectorAll('#machines th')) {
  th.addEventListener('click', () => {
    const key = /** @type {HTMLElement} */ (th).dataset.key ?? 'risk';
    const numericDesc = !['deviceId', 'qualityType', 'rank'].includes(key);
    state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: numericDesc ? -1 : 1 };
    renderMachines();
  });
}

void loop();
