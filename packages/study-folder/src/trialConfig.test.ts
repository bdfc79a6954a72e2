import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleTrialConfig } from './testing/index.js';
import { legacyTrialConfig, regularizersLabel, type TrialConfig, trialConfigSchema, trialParams } from './trialConfig.js';
import { readTrialRecords } from './trials.js';

/** A configuration as trials.jsonl held it before the normalization axis: one `regularizer`. */
function legacy(regularizer: { name: string; params: Record<string, number | boolean> }): Record<string, unknown> {
  const { regularizers: _r, normalization: _n, ...rest } = exampleTrialConfig();
  return { ...rest, regularizer };
}

describe('trial configurations from before the normalization axis are read as today’s', () => {
  it('none is an empty list, another regularizer a one-element list, spectral-norm the normalization spectral', () => {
    const read = (regularizer: Parameters<typeof legacy>[0]) => trialConfigSchema.parse(legacy(regularizer)) as TrialConfig;
    expect(read({ name: 'none', params: {} })).toMatchObject({ regularizers: [], normalization: { name: 'none', params: {} } });
    expect(read({ name: 'r1', params: { gamma: 0.1 } })).toMatchObject({
      regularizers: [{ name: 'r1', params: { gamma: 0.1 } }],
      normalization: { name: 'none' },
    });
    expect(read({ name: 'spectral-norm', params: { iterations: 2 } })).toMatchObject({
      regularizers: [],
      normalization: { name: 'spectral', params: { iterations: 2 } },
    });
  });

  it('and can be written back in that form exactly, so a trial keeps the identity it had', () => {
    const settings: Parameters<typeof legacy>[0][] = [
      { name: 'none', params: {} },
      { name: 'gradient-penalty', params: { lambda: 10 } },
      { name: 'spectral-norm', params: { iterations: 1 } },
    ];
    for (const regularizer of settings) {
      const old = legacy(regularizer);
      expect(legacyTrialConfig(trialConfigSchema.parse(old))).toEqual(old);
    }
    const crossed = exampleTrialConfig({ normalization: { name: 'layer', params: {} } });
    expect(legacyTrialConfig(crossed)).toBeNull();
    expect(legacyTrialConfig(exampleTrialConfig({ regularizers: [], normalization: { name: 'batch', params: {} } }))).toBeNull();
  });

  it('every committed results/**/trials.jsonl still loads, each legacy regularizer where the migration puts it', async () => {
    const root = join(import.meta.dirname, '..', '..', '..', 'results');
    const folders = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('trials.jsonl'))
      .map((file) => join(root, file, '..'));
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      const raw = readFileSync(join(folder, 'trials.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { config: { regularizer?: { name: string }; regularizers?: { name: string }[] } });
      const records = await readTrialRecords(folder);
      expect(records, folder).toHaveLength(raw.length);
      for (const [i, record] of records.entries()) {
        const old = raw[i]?.config.regularizer?.name;
        if (old === undefined) continue; // written in today's form
        expect(record.config.normalization.name).toBe(old === 'spectral-norm' ? 'spectral' : 'none');
        expect(record.config.regularizers.map((r) => r.name)).toEqual(old === 'none' || old === 'spectral-norm' ? [] : [old]);
      }
    }
  });
});

describe('the names a trial’s settings go by', () => {
  it('regularizers joined by +, each one’s params under regularizers.<name>.<param>, the normalization like a loss', () => {
    const config = exampleTrialConfig({
      regularizers: [
        { name: 'gradient-penalty', params: { lambda: 10 } },
        { name: 'r1', params: { gamma: 0.1 } },
      ],
      normalization: { name: 'spectral', params: { iterations: 1 } },
    });
    expect(regularizersLabel(config.regularizers)).toBe('gradient-penalty+r1');
    expect(trialParams(config)).toMatchObject({
      loss: 'hinge',
      regularizers: 'gradient-penalty+r1',
      'regularizers.gradient-penalty.lambda': '10',
      'regularizers.r1.gamma': '0.1',
      normalization: 'spectral',
      'normalization.iterations': '1',
    });
    expect(trialParams(exampleTrialConfig({ regularizers: [] })).regularizers).toBe('none');
  });
});
