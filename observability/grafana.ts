/**
 * A small typed builder for Grafana dashboards (JSON model:
 * https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/).
 * Panels are described, not positioned: `buildDashboard` flows them left to right in rows of 24
 * columns and numbers them in order, so ids and positions are stable; `dashboardJson` writes the
 * model with sorted keys, so the same dashboard always gives the same bytes.
 */

/** Grafana unit ids (https://github.com/grafana/grafana/blob/main/packages/grafana-data/src/valueFormats/categories.ts). */
type Unit = 'reqps' | 'percentunit' | 's' | 'bytes' | 'Bps' | 'short' | 'ops' | 'none';

export interface Query {
  readonly expr: string;
  /** Grafana legend template, e.g. "{{pod}}" (Grafana syntax, not Prometheus templating). */
  readonly legend?: string;
}

type Color = 'green' | 'orange' | 'red';

/** A Grafana data source: its plugin type and uid (a literal uid, or `${variable}` of a datasource variable). */
export interface DatasourceRef {
  readonly type: 'prometheus' | 'loki' | 'tempo';
  readonly uid: string;
}

interface Threshold {
  readonly value: number;
  readonly color: Color;
}

interface PanelBase {
  readonly title: string;
  readonly description?: string;
  readonly queries: readonly Query[];
  readonly unit: Unit;
  /** Width in grid columns (of 24); default 8. */
  readonly width?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  /** Colour below the first threshold; default green (use red when higher is better). */
  readonly baseColor?: Color;
  readonly thresholds?: readonly Threshold[];
  /** Where the queries go; default the dashboard's Prometheus (the `datasource` variable). */
  readonly datasource?: DatasourceRef;
  /** Data links of every series (Grafana interpolates `${__field.labels.x}`, `${__from}`, ... in the URL). */
  readonly links?: readonly DataLink[];
}

export interface DataLink {
  readonly title: string;
  readonly url: string;
}

export interface TimeSeriesPanel extends PanelBase {
  readonly kind: 'timeseries';
  readonly stacked?: boolean;
}

export interface StatPanel extends PanelBase {
  readonly kind: 'stat';
}

/** Log lines as Grafana's logs panel shows them (newest first, with their labels one click away). */
export interface LogsPanel {
  readonly kind: 'logs';
  readonly title: string;
  readonly description?: string;
  readonly queries: readonly Query[];
  readonly datasource: DatasourceRef;
  readonly width?: number;
  readonly height?: number;
}

export interface RowPanel {
  readonly kind: 'row';
  readonly title: string;
}

export type PanelSpec = TimeSeriesPanel | StatPanel | LogsPanel | RowPanel;

/**
 * A template variable filled from the label values a data source knows (`label_values(...)`),
 * used in queries as `$name`. With `includeAll`, "All" stands for `allValue` (a regex).
 */
export interface QueryVariable {
  readonly name: string;
  readonly label: string;
  readonly datasource: DatasourceRef;
  /** e.g. `label_values({namespace="x"}, app)`. */
  readonly query: string;
  readonly allValue?: string;
}

export interface DashboardSpec {
  /** At most 40 characters (Grafana's limit). */
  readonly uid: string;
  readonly title: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** A drop-down of the dashboards carrying all of these tags (Grafana's dashboard links). */
  readonly links?: readonly string[];
  readonly panels: readonly PanelSpec[];
  /** Template variables after the Prometheus `datasource` one. */
  readonly variables?: readonly QueryVariable[];
}

type Options<P> = Omit<P, 'kind' | 'title' | 'queries'>;

export const timeseries = (title: string, queries: readonly Query[], opts: Options<TimeSeriesPanel>): TimeSeriesPanel => ({ kind: 'timeseries', title, queries, ...opts });
export const stat = (title: string, queries: readonly Query[], opts: Options<StatPanel>): StatPanel => ({ kind: 'stat', title, queries, ...opts });
export const logs = (title: string, queries: readonly Query[], opts: Omit<LogsPanel, 'kind' | 'title' | 'queries'>): LogsPanel => ({ kind: 'logs', title, queries, ...opts });
export const row = (title: string): RowPanel => ({ kind: 'row', title });

/** Grafana's JSON model, as far as this builder writes it. */
export type DashboardModel = Record<string, unknown> & { uid: string; panels: PanelModel[] };
type TargetModel = Record<string, unknown> & { refId: string; expr: string; datasource: DatasourceRef };
type PanelModel = Record<string, unknown> & { id: number; type: string; title: string; targets?: TargetModel[] };

const GRID_COLUMNS = 24;
const DEFAULT_WIDTH = 8;
const DEFAULT_HEIGHT = 8;
/** Panels query the data source chosen in the dashboard's `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's template-variable syntax
const PROMETHEUS: DatasourceRef = { type: 'prometheus', uid: '${datasource}' };

export function buildDashboard(spec: DashboardSpec): DashboardModel {
  if (spec.uid.length > 40) throw new Error(`dashboard uid "${spec.uid}" is longer than 40 characters`);
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = spec.panels.map((panel, index): PanelModel => {
    const id = index + 1;
    if (panel.kind === 'row') {
      y += rowHeight;
      const model = { id, type: 'row', title: panel.title, collapsed: false, panels: [], gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y } };
      x = 0;
      y += 1;
      rowHeight = 0;
      return model;
    }
    const w = panel.width ?? DEFAULT_WIDTH;
    const h = panel.height ?? DEFAULT_HEIGHT;
    if (x + w > GRID_COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return panelModel(id, panel, gridPos);
  });
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    annotations: { list: [] },
    links: spec.links
      ? [{ type: 'dashboards', title: 'Dashboards', tags: [...spec.links], asDropdown: true, includeVars: false, keepTime: true, targetBlank: false, icon: 'external link' }]
      : [],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          options: [],
          includeAll: false,
          multi: false,
          regex: '',
        },
        ...(spec.variables ?? []).map(queryVariable),
      ],
    },
    panels,
  };
}

/** A query variable, refreshed when the time range changes, several values or all of them selectable. */
function queryVariable(v: QueryVariable): Record<string, unknown> {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: v.datasource,
    query: v.query,
    definition: v.query,
    refresh: 2,
    sort: 1,
    hide: 0,
    multi: true,
    includeAll: v.allValue !== undefined,
    allValue: v.allValue,
    current: {},
    options: [],
    regex: '',
  };
}

/** One query of a panel as the data source's plugin reads it. */
function target(datasource: DatasourceRef, q: Query, i: number): TargetModel {
  return datasource.type === 'prometheus'
    ? { datasource, refId: refId(i), expr: q.expr, legendFormat: q.legend ?? '__auto', range: true }
    : { datasource, refId: refId(i), expr: q.expr, legendFormat: q.legend, queryType: 'range' };
}

function panelModel(id: number, panel: TimeSeriesPanel | StatPanel | LogsPanel, gridPos: Record<string, number>): PanelModel {
  if (panel.kind === 'logs') {
    return {
      id,
      type: 'logs',
      title: panel.title,
      description: panel.description,
      datasource: panel.datasource,
      gridPos,
      options: {
        showTime: true,
        showLabels: false,
        showCommonLabels: false,
        wrapLogMessage: true,
        prettifyLogMessage: false,
        enableLogDetails: true,
        dedupStrategy: 'none',
        sortOrder: 'Descending',
      },
      targets: panel.queries.map((q, i) => target(panel.datasource, q, i)),
    };
  }
  const datasource = panel.datasource ?? PROMETHEUS;
  const steps = [{ color: panel.baseColor ?? 'green', value: null }, ...(panel.thresholds ?? []).map((t) => ({ color: t.color, value: t.value }))];
  const defaults = {
    unit: panel.unit,
    min: panel.min,
    max: panel.max,
    color: { mode: panel.kind === 'stat' ? 'thresholds' : 'palette-classic' },
    thresholds: { mode: 'absolute', steps },
    links: panel.links?.map((l) => ({ title: l.title, url: l.url, targetBlank: false })),
    ...(panel.kind === 'timeseries'
      ? {
          custom: {
            drawStyle: 'line',
            fillOpacity: panel.stacked ? 30 : 10,
            lineWidth: 1,
            showPoints: 'never',
            stacking: { mode: panel.stacked ? 'normal' : 'none', group: 'A' },
            // Draw the thresholds as dashed lines, so a KPI limit is visible on the graph.
            thresholdsStyle: { mode: panel.thresholds?.length ? 'dashed' : 'off' },
          },
        }
      : {}),
  };
  const options =
    panel.kind === 'timeseries'
      ? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } }
      : { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', justifyMode: 'auto', orientation: 'auto', textMode: 'auto' };
  return {
    id,
    type: panel.kind,
    title: panel.title,
    description: panel.description,
    datasource,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    targets: panel.queries.map((q, i) => target(datasource, q, i)),
  };
}

/**
 * A link into Grafana's Explore running `query` on the Tempo datasource `uid` over the panel's
 * time range (Grafana 10+ URL: /explore?schemaVersion=1&panes=<JSON>). `${...}` placeholders in
 * the query (e.g. `${__field.labels.service}`) stay literal for Grafana to interpolate; they must
 * stand for values that need no escaping in JSON or URLs (DNS names, tracks).
 */
/** `${name}`: a Grafana variable reference (`${__from}`, `${__field.labels.service}`, ...), as text. */
export const grafanaVar = (name: string): string => `\${${name}}`;

export function exploreTracesUrl(uid: string, query: string): string {
  const placeholders: string[] = [];
  const hold = (text: string) => text.replace(/\$\{[^}]+\}/g, (m) => `@@${placeholders.push(m) - 1}@@`);
  const panes = {
    t: {
      datasource: uid,
      queries: [{ refId: 'A', datasource: { type: 'tempo', uid }, queryType: 'traceql', query: hold(query), limit: 20 }],
      range: { from: hold(grafanaVar('__from')), to: hold(grafanaVar('__to')) },
    },
  };
  return `/explore?schemaVersion=1&orgId=1&panes=${encodeURIComponent(JSON.stringify(panes))}`.replace(/%40%40(\d+)%40%40/g, (_, i) => placeholders[Number(i)]);
}

/** A, B, ..., Z, AA, AB, ...: Grafana's query reference ids. */
export function refId(index: number): string {
  const letter = String.fromCharCode(65 + (index % 26));
  return index < 26 ? letter : `${refId(Math.floor(index / 26) - 1)}${letter}`;
}

/** The dashboard model as JSON with sorted keys and without undefined fields. */
export function dashboardJson(model: DashboardModel): string {
  return `${JSON.stringify(sortKeys(model), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    // sort() without a comparator orders strings by UTF-16 code units, as `<` does.
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) sorted[key] = sortKeys(v);
    }
    return sorted;
  }
  return value;
}

/** Every query of the dashboard to data sources of `type` (PromQL by default), with the panel it belongs to. */
export function dashboardQueries(model: DashboardModel, type: DatasourceRef['type'] = 'prometheus'): { panelId: number; panelTitle: string; refId: string; expr: string }[] {
  return model.panels.flatMap((p) =>
    (p.targets ?? []).filter((t) => t.datasource.type === type).map((t) => ({ panelId: p.id, panelTitle: p.title, refId: t.refId, expr: t.expr })),
  );
}

/**
 * Replaces Grafana's built-in interval variables with representative durations, giving the
 * PromQL that Grafana sends, so tools such as promtool can check it.
 */
export function interpolateForPrometheus(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h');
}
