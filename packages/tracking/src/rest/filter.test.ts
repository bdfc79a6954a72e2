import { describe, expect, it } from 'vitest';
import { parseFilter, tagsFilter } from './filter.js';

describe('search filters', () => {
  it('writes backquoted tag clauses and reads them back', () => {
    const f = tagsFilter({ 'ganbench.configHash': 'abc', 'mlflow.parentRunId': "o'k" });
    expect(f).toBe("tags.`ganbench.configHash` = 'abc' AND tags.`mlflow.parentRunId` = \"o'k\"");
    expect(parseFilter(f)).toEqual([
      { entity: 'tags', key: 'ganbench.configHash', op: '=', value: 'abc' },
      { entity: 'tags', key: 'mlflow.parentRunId', op: '=', value: "o'k" },
    ]);
    expect(parseFilter("params.lr != '0.1' and attributes.run_name = 'x AND y'")).toEqual([
      { entity: 'params', key: 'lr', op: '!=', value: '0.1' },
      { entity: 'attributes', key: 'run_name', op: '=', value: 'x AND y' },
    ]);
  });
});
