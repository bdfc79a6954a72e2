import type { Config, TopLevelSpec } from 'vega-lite';
import { baseConfig, checkPositive, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './spec.js';

type Concatenated = Extract<TopLevelSpec, { concat: unknown }>;
type Panel = Concatenated['concat'][number];

/**
 * Lays complete specs (e.g. from `vectorFieldWithTrajectories`) out as a grid, row by row, each keeping its own
 * title and axes. Colour and shape scales and their legends are shared, so one legend serves the grid and a
 * label has the same colour in every panel. Named `datasets` of the panels are merged (a name used twice must
 * hold the same data); configs are merged key by key over the shared base config.
 */
export function panelGrid(panels: readonly VegaLiteSpec[], columns: number, title: string): VegaLiteSpec {
  if (panels.length === 0) throw new Error('panelGrid needs at least one panel; got none');
  if (!Number.isInteger(columns)) throw new Error(`columns must be a positive integer; got ${columns}`);
  checkPositive(columns, 'columns');
  const datasets = mergeDatasets(panels);
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, fontSize: 15, anchor: 'middle' },
    columns,
    spacing: { row: 24, column: 20 },
    ...(Object.keys(datasets).length > 0 ? { datasets } : {}),
    config: mergeConfigs(panels),
    resolve: { scale: { color: 'shared', shape: 'shared' }, legend: { color: 'shared', shape: 'shared' } },
    concat: panels.map((panel, index) => asPanel(panel, index)),
  };
}

/** A spec with its top-level-only properties removed, ready to nest in a concat. */
function asPanel(spec: VegaLiteSpec, index: number): Panel {
  const { $schema, config, datasets, autosize, background, padding, usermeta, ...panel } = spec;
  const params: unknown = 'params' in panel ? panel.params : undefined;
  // Top-level parameters (variables, view-less selections) have no meaning inside one cell of a grid.
  if (Array.isArray(params) && params.length > 0) throw new Error(`panel ${index} has top-level params, which panelGrid cannot nest; remove them`);
  return { ...panel, params: undefined };
}

/** Union of the panels' named datasets; the same name with different data would silently mix panels, so it throws. */
function mergeDatasets(panels: readonly VegaLiteSpec[]): NonNullable<VegaLiteSpec['datasets']> {
  const merged: NonNullable<VegaLiteSpec['datasets']> = {};
  for (const [index, panel] of panels.entries()) {
    for (const [name, values] of Object.entries(panel.datasets ?? {})) {
      const existing = merged[name];
      if (existing !== undefined && existing !== values && JSON.stringify(existing) !== JSON.stringify(values)) {
        throw new Error(`panel ${index} defines dataset '${name}' differently from an earlier panel; give it another name`);
      }
      merged[name] = values;
    }
  }
  return merged;
}

/** Base config overlaid with each panel's config in order: builders share one config, so this loses nothing. */
function mergeConfigs(panels: readonly VegaLiteSpec[]): Config {
  return Object.assign(baseConfig(), ...panels.map((panel) => panel.config ?? {}));
}
