// @ts-check
// The failure forecast on the dashboard page: a "Due" cell at the end of every row of the machine table and,
// under the open machine's history, its forecast risk curve over the horizon. Kept apart from app.js: it
// reads /api/forecast on its own clock and decorates what app.js draws (a MutationObserver on the table,
// the detail title for the open machine), so neither file needs the other's internals.

/** @typedef {import('../forecastView.js').ForecastView} ForecastView */
/** @typedef {import('../forecastView.js').MachineForecastView} MachineForecastView */

/** @type {any} */
const uPlot = /** @type {any} */ (globalThis).uPlot;

const POLL_MS = 15_000;
const COLORS = {
  text: '#e6edf3',
  muted: '#8b949e',
  grid: 'rgba(139, 148, 158, 0.13)',
  line: '#ff9f43',
  level: '#f85149',
};

/** @type {ForecastView | null} */
let forecast = null;
/** @type {any} */
let plot = null;
let plotted = '';
let decorating = false;

/** @param {number} minutes */
function duration(minutes) {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${h} h` : `${h} h ${minutes % 60} min`;
}

/** @param {number} p */
const pct = (p) => `${Math.round(p * 100)}%`;

/** What the Due cell says about a machine, and how urgent it is (for sorting: smaller is sooner). */
function due(/** @type {string} */ deviceId) {
  if (!forecast)
    return { text: '…', title: 'forecast loading', urgency: Number.POSITIVE_INFINITY, level: '' };
  if (!forecast.available)
    return { text: '—', title: forecast.reason ?? '', urgency: Number.POSITIVE_INFINITY, level: '' };
  const m = forecast.machines[deviceId];
  if (!m) {
    const reason = forecast.notEnoughData[deviceId] ?? 'no forecast';
    return { text: 'n/a', title: reason, urgency: Number.POSITIVE_INFINITY, level: '' };
  }
  if (m.dueInMinutes === null) {
    return {
      text: `> ${forecast.horizonHours} h`,
      title: `p ${pct(m.horizonProbability)} within ${forecast.horizonHours} h`,
      urgency: 1e9 - m.horizonProbability,
      level: '',
    };
  }
  const soon = m.noticeProbability >= (forecast.dueLevel ?? 0.5);
  return {
    text: duration(m.dueInMinutes),
    title: `${m.leadingMode ?? ''} · p ${pct(m.noticeProbability)} within ${forecast.noticeHours} h${m.recommendation ? ` · do first: ${m.recommendation.description}` : ''}`,
    urgency: m.dueInMinutes,
    level: soon ? 'level-high' : 'level-elevated',
  };
}

/** Adds (or refreshes) the Due cell of every row; sorts by it when its header is the sorted one. */
function decorate() {
  const tbody = document.querySelector('#machines tbody');
  if (!tbody || decorating) return;
  decorating = true;
  try {
    const rows = /** @type {HTMLElement[]} */ ([...tbody.querySelectorAll('tr')]);
    for (const tr of rows) {
      const d = due(tr.dataset.device ?? '');
      let td = /** @type {HTMLElement | null} */ (tr.querySelector('td.due'));
      if (!td) {
        td = document.createElement('td');
        tr.append(td);
      }
      td.className = `num due ${d.level}`;
      td.textContent = d.text;
      td.title = d.title;
      tr.dataset.urgency = String(d.urgency);
    }
    const th = document.querySelector('#machines th[data-key="dueAt"]');
    if (th?.classList.contains('sorted')) {
      // app.js marks the clicked header; "descending" is the most urgent first, as for risk.
      const dir = th.classList.contains('asc') ? -1 : 1;
      const sorted = [...rows].sort((a, b) => dir * (Number(a.dataset.urgency) - Number(b.dataset.urgency)));
      if (sorted.some((tr, i) => tr !== rows[i])) tbody.append(...sorted);
    }
  } finally {
    decorating = false;
  }
}

/** The open machine's forecast curve under its history, with the due level and a line of explanation. */
function renderCurve() {
  const title = document.getElementById('detail-title')?.textContent ?? '';
  const deviceId = title.startsWith('Machine ') ? title.slice(8) : '';
  const el = document.getElementById('chart-forecast');
  const note = document.getElementById('forecast-note');
  if (!el || !note) return;
  const m = forecast?.available ? forecast.machines[deviceId] : undefined;
  if (!forecast || !m) {
    plot?.destroy();
    plot = null;
    plotted = '';
    el.replaceChildren();
    note.textContent = !forecast
      ? 'forecast loading…'
      : !forecast.available
        ? `no forecast: ${forecast.reason}`
        : `no forecast for ${deviceId}: ${forecast.notEnoughData[deviceId] ?? 'not in the forecast'}`;
    return;
  }
  const level = forecast.dueLevel ?? 0.5;
  note.textContent =
    (m.dueInMinutes === null
      ? `not due within ${forecast.horizonHours} h (p ${pct(m.horizonProbability)})`
      : `due in ${duration(m.dueInMinutes)}${m.leadingMode ? ` (${m.leadingMode})` : ''}, p ${pct(m.noticeProbability)} within ${forecast.noticeHours} h`) +
    (m.recommendation
      ? ` · do first: ${m.recommendation.description} → p ${pct(m.recommendation.noticeProbability)} within ${forecast.noticeHours} h`
      : '');
  const data = [m.curve.time, m.curve.probability, m.curve.time.map(() => level)];
  const key = `${deviceId}:${forecast.generatedAt}`;
  if (plot && plotted === key) return;
  plot?.destroy();
  el.replaceChildren();
  const width = Math.max(200, el.clientWidth);
  const axis = {
    stroke: COLORS.muted,
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid, width: 1, size: 4 },
    font: '11px system-ui, sans-serif',
  };
  plot = new uPlot(
    {
      width,
      height: 120,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      padding: [8, 8, 0, 0],
      scales: { x: { time: true }, y: { range: [0, 1] } },
      axes: [
        {
          ...axis,
          size: 26,
          space: 64,
          values: (/** @type {any} */ _u, /** @type {number[]} */ t) =>
            t.map((v) =>
              new Date(v * 1000).toLocaleTimeString('en-GB', {
                hour: '2-digit',
                minute: '2-digit',
                hour12: false,
              }),
            ),
        },
        {
          ...axis,
          size: 46,
          values: (/** @type {any} */ _u, /** @type {number[]} */ t) =>
            t.map((v) => `${Math.round(v * 100)}%`),
        },
      ],
      series: [
        {},
        { label: 'forecast', stroke: COLORS.line, width: 2, fill: 'rgba(255, 159, 67, 0.12)' },
        { label: 'due level', stroke: COLORS.level, width: 1, dash: [4, 4] },
      ],
    },
    data,
    el,
  );
  plotted = key;
}

async function load() {
  try {
    const res = await fetch('/api/forecast', { cache: 'no-store' });
    if (res.ok) forecast = await res.json();
  } catch {
    // The main page shows the server being unreachable; the forecast keeps its last answer.
  }
  decorate();
  renderCurve();
  document.body.dataset.forecastReady = forecast ? 'true' : 'false';
  setTimeout(load, POLL_MS);
}

const table = document.querySelector('#machines tbody');
if (table) new MutationObserver(decorate).observe(table, { childList: true });
const detail = document.getElementById('detail-title');
if (detail)
  new MutationObserver(renderCurve).observe(detail, { childList: true, characterData: true, subtree: true });
void load();
