import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAILURE_MODES } from '../../../processors/inference/types.js';
import {
  ALL_SERIES,
  DRIFT_SERIES,
  FORECAST_SERIES,
  PREDICTION_SERIES,
  QUARANTINE_SERIES,
  type SeriesSchema,
} from '../../../processors/sinks/constants.js';
import { InfluxDbSink } from '../../../processors/sinks/InfluxDbSink.js';
import { influxTagsOf, toLine } from '../../../processors/sinks/lineProtocol.js';
import { INFLUXD, skipWithout } from '../../helpers/engines.js';
import { useInfluxServer } from '../../helpers/influxServer.js';
import { fleetPredictions, quarantineRow } from './rows.js';

interface Target {
  refId: string;
  rawQuery?: string | boolean;
  query?: string;
  table?: string;
  database?: string;
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string;
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Variable[] };
}

function load(name: string): Dashboard {
  return JSON.parse(
    readFileSync(new URL(`../../../infra/grafana/${name}`, import.meta.url), 'utf8'),
  ) as Dashboard;
}
function panels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
}
function targets(d: Dashboard): { panel: string; target: Target }[] {
  return panels(d).flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, target })));
}

/** Everything a query may name in a series: its dimensions/tags, measures/fields, and the time column. */
function columnsOf(series: SeriesSchema): Set<string> {
  return new Set(['time', ...series.dimensions, ...Object.keys(series.measures)]);
}

const SQL_WORDS = new Set(
  'select distinct from where and or not in is null as group by order asc desc limit case when then else end true false with over partition between like'.split(
    ' ',
  ),
);
const INFLUXQL_WORDS = new Set(
  'select from where and or group by time fill none null previous linear as limit order desc asc show tag values with key'.split(
    ' ',
  ),
);

interface Parsed {
  /** Names used as columns (not functions, keywords, aliases or literals). */
  columns: string[];
  aliases: Set<string>;
  literals: string[];
}

/**
 * A small tokenizer, enough for the dashboards' queries: string literals and (InfluxQL) regexes are set aside,
 * a word before `(` is a function, a word after AS is an alias, everything else that is not a keyword is a name.
 */
function tokens(query: string, dialect: 'sql' | 'influxql'): Parsed {
  const literals: string[] = [];
  let text = query.replace(/'((?:[^']|'')*)'/g, (_, lit: string) => {
    literals.push(lit);
    return ' LIT ';
  });
  if (dialect === 'influxql') text = text.replace(/=~\s*\/(?:[^/\\]|\\.)*\//g, '=~ LIT');
  const list = text.match(/"[^"]*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?[A-Za-z]*|\S/g) ?? [];
  const aliases = new Set<string>();
  const columns: string[] = [];
  const words = dialect === 'sql' ? SQL_WORDS : INFLUXQL_WORDS;
  list.forEach((token, i) => {
    // Literals, numbers and template variables (replaced by VARIABLE before tokenizing) name nothing.
    if (token === 'LIT' || token === 'VARIABLE' || /^\d/.test(token)) return;
    const quoted = token.startsWith('"');
    const isWord = quoted || /^[A-Za-z_]/.test(token);
    if (!isWord) return;
    const name = quoted ? token.slice(1, -1) : token;
    if (list[i - 1]?.toLowerCase() === 'as') {
      aliases.add(name);
      return;
    }
    if (!quoted && list[i + 1] === '(') return; // a function
    if (!quoted && words.has(name.toLowerCase())) return;
    if (dialect === 'influxql' && !quoted) {
      columns.push(`UNQUOTED:${name}`); // names must be double-quoted in InfluxQL here
      return;
    }
    columns.push(name);
  });
  return { columns, aliases, literals };
}

describe('Grafana dashboards', () => {
  const timestream = load('timestream-dashboard.json');
  const influx = load('influxdb-dashboard.json');
  const timestreamVars = new Map(timestream.templating.list.map((v) => [v.name, v]));
  /** A dashboard variable's default value (the text boxes carry the default table names). */
  const defaultOf = (name: string): string => timestreamVars.get(name)?.query ?? `<no variable ${name}>`;
  const tableSeries = new Map<string, SeriesSchema>(ALL_SERIES.map((s) => [s.timestreamTable, s]));

  it('have the same panels for both data sources, covering what the issue asks for', () => {
    const titles = (d: Dashboard) => panels(d).map((p) => p.title);
    expect(titles(influx)).toEqual(titles(timestream));
    expect(titles(timestream)).toEqual([
      'Fleet any-failure risk',
      'Top at-risk machines',
      'Predicted failures by mode',
      'Features and risk: $machine',
      'Quarantined records by code',
      'Quarantine by stage and code',
      'Drift: PSI by feature',
      'Drift: latest state by feature',
      'Maintenance due',
      'Forecast: probability of a failure within the notice window',
    ]);
  });

  it('default the Timestream table variables to the tables the sinks write', () => {
    expect(defaultOf('predictions_table')).toBe(PREDICTION_SERIES.timestreamTable);
    expect(defaultOf('quarantine_table')).toBe(QUARANTINE_SERIES.timestreamTable);
    expect(defaultOf('drift_table')).toBe(DRIFT_SERIES.timestreamTable);
    expect(defaultOf('forecast_table')).toBe(FORECAST_SERIES.timestreamTable);
  });

  it('Timestream queries name only tables, measure names, measures and dimensions the sinks write', () => {
    const all = targets(timestream);
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const { panel, target } of all) {
      const where = `${panel} / ${target.refId}`;
      const sql = String(target.rawQuery);
      const table = /^"\$\{(\w+)\}"$/.exec(target.table ?? '')?.[1];
      expect(table, where).toBeDefined();
      const series = tableSeries.get(defaultOf(table as string));
      expect(series, `${where}: table ${target.table}`).toBeDefined();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable, not a JavaScript template
      expect(target.database, where).toBe('"${database}"');
      // Every FROM reads the target's table through the macros; nothing else is read.
      expect(sql.match(/\bFROM\s+(\S+)/gi), where).toEqual(['FROM $__database.$__table']);
      const measureNames = [...sql.matchAll(/measure_name\s*=\s*'([^']*)'/g)].map((m) => m[1]);
      expect(measureNames, where).toEqual([series?.measureName]);
      expect(sql, where).toMatch(/\$__timeFilter/);

      const macrosGone = sql
        .replace(/\$__database\.\$__table/g, 'TABLE_REF')
        .replace(/\$__timeFilter/g, 'TRUE')
        .replace(/\$__interval_ms/g, '60000ms')
        .replace(/\$\{\w+(:\w+)?\}/g, 'VARIABLE');
      const { columns, aliases } = tokens(macrosGone, 'sql');
      const allowed = columnsOf(series as SeriesSchema);
      allowed.add('measure_name');
      allowed.add('TABLE_REF');
      for (const c of columns) expect(allowed.has(c) || aliases.has(c), `${where}: ${c}`).toBe(true);
    }
  });

  it('the Timestream machine variable reads the predictions table', () => {
    const machine = timestreamVars.get('machine') as Variable;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variables, not a JavaScript template
    expect(machine.query).toContain('FROM "${database}"."${predictions_table}"');
    const { columns } = tokens(
      machine.query
        .replace(/"\$\{\w+\}"\."\$\{\w+\}"/, 'TABLE_REF')
        .replace(/\$\{\w+(:\w+)?\}|\$__\w+/g, 'VARIABLE'),
      'sql',
    );
    const allowed = columnsOf(PREDICTION_SERIES);
    for (const c of columns)
      expect(['measure_name', 'TABLE_REF'].includes(c) || allowed.has(c), c).toBe(true);
  });

  it('InfluxQL queries name only measurements, tags and fields the sinks write, all double-quoted', () => {
    const byMeasurement = new Map<string, SeriesSchema>(ALL_SERIES.map((s) => [s.influxMeasurement, s]));
    const queries = [
      ...targets(influx).map(({ panel, target }) => ({
        where: `${panel} / ${target.refId}`,
        q: String(target.query),
      })),
      ...influx.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ where: `variable ${v.name}`, q: v.query })),
    ];
    expect(queries.length).toBeGreaterThanOrEqual(13);
    for (const { where, q } of queries) {
      const measurements = [...q.matchAll(/\bFROM\s+"([^"]+)"/g)].map((m) => m[1] as string);
      expect(measurements.length, where).toBeGreaterThan(0);
      const allowed = new Set<string>();
      for (const m of measurements) {
        const series = byMeasurement.get(m);
        expect(series, `${where}: measurement ${m}`).toBeDefined();
        for (const c of columnsOf(series as SeriesSchema)) allowed.add(c);
        allowed.add(m);
      }
      const { columns, aliases } = tokens(
        q.replace(/\$timeFilter/g, 'time > now() - 1h').replace(/\$__interval/g, '1m'),
        'influxql',
      );
      for (const c of columns) expect(allowed.has(c) || aliases.has(c), `${where}: ${c}`).toBe(true);
      // GROUP BY and SHOW TAG VALUES take tags: a field there groups nothing (InfluxQL), silently.
      const tags = new Set(measurements.flatMap((m) => influxTagsOf(byMeasurement.get(m) as SeriesSchema)));
      const grouped = [...q.matchAll(/GROUP BY ([^)]*?)(?: fill\(|\)|$)/g)].flatMap((g) =>
        [...(g[1] ?? '').matchAll(/"([^"]+)"/g)].map((n) => n[1] as string),
      );
      const keyed = [...q.matchAll(/WITH KEY = "([^"]+)"/g)].map((k) => k[1] as string);
      for (const name of [...grouped, ...keyed])
        expect(tags.has(name), `${where}: ${name} is not a tag`).toBe(true);
    }
  });

  it('count every failure mode the model predicts', () => {
    const modes = (text: string) =>
      FAILURE_MODES.filter((m) => text.includes(`'${m}'`) || text.includes(`/${m}/`));
    const panelText = (d: Dashboard) =>
      JSON.stringify(panels(d).find((p) => p.title === 'Predicted failures by mode')?.targets ?? []);
    expect(modes(panelText(timestream))).toEqual([...FAILURE_MODES]);
    expect(modes(panelText(influx))).toEqual([...FAILURE_MODES]);
  });
});

const skipInflux = skipWithout(INFLUXD, 'the InfluxQL run of test/processors/sinks/dashboards.test.ts');

describe.skipIf(skipInflux)('the InfluxDB dashboard on a real InfluxDB 1.x server', () => {
  const server = useInfluxServer();

  it('runs every query without error, and each panel finds data the sinks wrote', async () => {
    const db = await server.freshDatabase();
    const sink = new InfluxDbSink({ url: server.server.url, database: db });
    const rows = fleetPredictions(2_000, { devices: 20, endTime: Date.now() - 5_000 });
    // Make sure every mode has a predicted failure to count.
    FAILURE_MODES.forEach((mode, i) => {
      rows[i] = { ...(rows[i] as (typeof rows)[number]), failure: true, predictedModes: [mode] };
    });
    await sink.writePredictions(rows);
    await sink.quarantine([
      quarantineRow(1),
      quarantineRow(2, { stage: 'validate', code: 'OUT_OF_RANGE', deviceId: 'M-0003' }),
    ]);
    const driftLines = ['torque_nm', 'tool_wear_min'].map((feature, i) =>
      toLine(
        {
          time: Date.now() - 10_000,
          dimensions: { feature, model_name: 'pfm-failure-mlp', model_version: 'abc' },
          measures: { psi: 0.05 + i, mean_shift: 0.1, state: i === 0 ? 'ok' : 'drift' },
        },
        DRIFT_SERIES,
      ),
    );
    // Two forecast runs of two machines (as the scheduled forecast writes them): M-0001 due in both, M-0002 due in
    // the older run only (its tool was replaced in between).
    const forecastLines = [20 * 60_000, 5 * 60_000].flatMap((ago) =>
      ['M-0001', 'M-0002'].map((device, i) => {
        const isDue = i === 0 || ago > 10 * 60_000;
        return toLine(
          {
            time: Date.now() - ago,
            dimensions: { device_id: device, quality_type: 'L' },
            measures: {
              status: 'ok',
              notice_probability: isDue ? 0.7 : 0.1,
              ...(isDue
                ? {
                    due_at: Date.now() + 30 * 60_000,
                    leading_mode: 'TWF',
                    recommended_action: 'replace_tool',
                  }
                : {}),
              tool_wear_min: 200,
            },
          },
          FORECAST_SERIES,
        );
      }),
    );
    const res = await fetch(`${server.server.url}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: [...driftLines, ...forecastLines].join('\n'),
    });
    expect(res.status).toBe(204);

    const dashboard = load('influxdb-dashboard.json');
    const substitute = (q: string) =>
      q
        .replace(/\$timeFilter/g, 'time > now() - 1h')
        .replace(/\$__interval/g, '1m')
        .replace(/\$quality_type/g, '.*')
        .replace(/\$machine/g, 'M-0001');
    for (const { panel, target } of targets(dashboard)) {
      const series = await server.server.query(substitute(String(target.query)), db);
      expect(series.length, `${panel} / ${target.refId}`).toBeGreaterThan(0);
    }
    // The due table shows each machine's latest run as one point: a machine not due has no due time there, even
    // though an earlier run's point of it had one (a selector with other fields reads them from its own point).
    const due = targets(dashboard).find((t) => t.panel === 'Maintenance due')?.target as Target;
    const [byDevice = []] = [await server.server.query(substitute(String(due.query)), db)];
    const cell = (device: string, column: string) => {
      const s = byDevice.find((x) => x.tags?.device_id === device);
      return s?.values[0]?.[s.columns.indexOf(column)];
    };
    expect(cell('M-0001', 'leading_mode')).toBe('TWF');
    expect(cell('M-0002', 'due_at')).toBeNull();
    expect(cell('M-0002', 'p_notice')).toBe(0.1);
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const series = await server.server.query(substitute(v.query), db);
      expect(series[0]?.values.length, v.name).toBe(20);
    }
  });
});
