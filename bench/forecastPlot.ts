// An SVG of the forecast evaluation: a reliability diagram and the warning trade-off, written by
// `npm run bench -- forecast` to docs/forecast-evaluation.svg (no plotting library: two panels of lines).

interface Bin {
  n: number;
  meanPredicted: number;
  observed: number;
}

interface CurvePoint {
  label: string;
  recall30m: number;
  falseRate: number;
}

export interface ForecastPlotData {
  reliability: { label: string; bins: readonly Bin[] }[];
  curves: { forecast: CurvePoint[]; fixed: CurvePoint[]; alarm: CurvePoint[] };
  windowHours: number;
}

const W = 920;
const H = 420;
const PANEL = 320;
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

/** The evaluation as an SVG document. */
export function renderForecastPlot(data: ForecastPlotData): string {
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    '<title>Forecast evaluation: calibration of the horizon probability, and warnings against lead time</title>',
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  // Left: reliability of the forecastable-failure probability.
  const left = panel(
    60,
    40,
    'Forecast probability of a TWF/HDF/OSF failure',
    'forecast probability',
    'observed frequency',
  );
  parts.push(
    left.frame,
    line(
      left,
      [
        [0, 0],
        [1, 1],
      ],
      '#999',
      '4 3',
    ),
  );
  data.reliability.forEach((r, i) => {
    const pts = r.bins.filter((b) => b.n >= 20).map((b) => [b.meanPredicted, b.observed] as [number, number]);
    const color = COLORS[i % COLORS.length] as string;
    parts.push(line(left, pts, color), ...pts.map((p) => dot(left, p, color)));
    parts.push(legend(left, i, r.label, color));
  });
  // Right: share of forecastable failures warned >= 30 min ahead against the share of false warnings.
  const right = panel(
    540,
    40,
    `Warned >= 30 min ahead vs false warnings (${data.windowHours} h)`,
    'false warnings (share of warnings)',
    'failures warned >= 30 min ahead',
  );
  parts.push(right.frame);
  const series: [string, CurvePoint[], string][] = [
    ['forecast (over due level)', data.curves.forecast, COLORS[0] as string],
    ['fixed wear rule (over wear)', data.curves.fixed, COLORS[1] as string],
    ['current-risk alarm', data.curves.alarm, COLORS[3] as string],
  ];
  series.forEach(([name, points, color], i) => {
    const pts = points.map((p) => [p.falseRate, p.recall30m] as [number, number]);
    if (pts.length > 1) parts.push(line(right, pts, color));
    parts.push(...pts.map((p) => dot(right, p, color)));
    parts.push(legend(right, i, name, color));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

interface Panel {
  x: number;
  y: number;
  frame: string;
}

function panel(x: number, y: number, title: string, xLabel: string, yLabel: string): Panel {
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => {
      const px = x + t * PANEL;
      const py = y + PANEL - t * PANEL;
      return (
        `<line x1="${px}" y1="${y}" x2="${px}" y2="${y + PANEL}" stroke="#eee"/>` +
        `<line x1="${x}" y1="${py}" x2="${x + PANEL}" y2="${py}" stroke="#eee"/>` +
        `<text x="${px}" y="${y + PANEL + 15}" text-anchor="middle">${t}</text>` +
        `<text x="${x - 6}" y="${py + 4}" text-anchor="end">${t}</text>`
      );
    })
    .join('');
  const frame =
    `<text x="${x}" y="${y - 14}" font-weight="bold">${escapeXml(title)}</text>${ticks}` +
    `<rect x="${x}" y="${y}" width="${PANEL}" height="${PANEL}" fill="none" stroke="#333"/>` +
    `<text x="${x + PANEL / 2}" y="${y + PANEL + 34}" text-anchor="middle">${escapeXml(xLabel)}</text>` +
    `<text transform="translate(${x - 40},${y + PANEL / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`;
  return { x, y, frame };
}

function toPx(p: Panel, [a, b]: [number, number]): [number, number] {
  return [p.x + Math.max(0, Math.min(1, a)) * PANEL, p.y + PANEL - Math.max(0, Math.min(1, b)) * PANEL];
}

function line(p: Panel, points: [number, number][], color: string, dash = ''): string {
  const d = points
    .map((pt) =>
      toPx(p, pt)
        .map((v) => v.toFixed(1))
        .join(','),
    )
    .join(' ');
  return `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function dot(p: Panel, point: [number, number], color: string): string {
  const [cx, cy] = toPx(p, point);
  return `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="3.5" fill="${color}"/>`;
}

function legend(p: Panel, i: number, label: string, color: string): string {
  const y = p.y + 14 + i * 16;
  return (
    `<rect x="${p.x + 8}" y="${y - 9}" width="10" height="10" fill="${color}"/>` +
    `<text x="${p.x + 24}" y="${y}">${escapeXml(label)}</text>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
