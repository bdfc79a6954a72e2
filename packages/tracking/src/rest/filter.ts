/**
 * MLflow's search filter syntax, the small part ganbench uses: `tags.<key> = '<value>'` clauses
 * joined by AND, with backquoted keys (dots in tag names need them).
 */

export interface FilterClause {
  entity: 'tags' | 'params' | 'attributes' | 'metrics';
  key: string;
  op: '=' | '!=';
  value: string;
}

function quoteValue(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new Error(`filter value ${JSON.stringify(value)} holds both quote characters; MLflow's search syntax cannot express it`);
}

function quoteKey(key: string): string {
  if (key.includes('`')) throw new Error(`filter key ${JSON.stringify(key)} holds a backquote; MLflow's search syntax cannot express it`);
  return `\`${key}\``;
}

/** `tags.\`k1\` = 'v1' AND tags.\`k2\` = 'v2'` for an exact match on every tag. */
export function tagsFilter(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `tags.${quoteKey(k)} = ${quoteValue(v)}`)
    .join(' AND ');
}

const CLAUSE = /^\s*(tags|tag|params|param|attributes|attribute|attr|run|metrics|metric)\.(`[^`]+`|"[^"]+"|[\w.]+)\s*(=|!=)\s*('([^']*)'|"([^"]*)")\s*$/i;

/** Splits on AND outside quotes and backquotes. */
function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (/\s/.test(c)) {
      const m = /^\s+AND\s+/i.exec(filter.slice(i));
      if (m !== null) {
        parts.push(filter.slice(start, i));
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(filter.slice(start));
  return parts;
}

/** Parses what tagsFilter writes (and the same form for params/attributes); for the fake server and tests. */
export function parseFilter(filter: string): FilterClause[] {
  if (filter.trim() === '') return [];
  return splitAnd(filter).map((part) => {
    const m = CLAUSE.exec(part);
    if (m === null) throw new Error(`unsupported filter clause ${JSON.stringify(part)}`);
    const prefix = (m[1] ?? '').toLowerCase();
    const entity = prefix.startsWith('tag') ? 'tags' : prefix.startsWith('param') ? 'params' : prefix.startsWith('metric') ? 'metrics' : 'attributes';
    const rawKey = m[2] ?? '';
    const key = /^[`"]/.test(rawKey) ? rawKey.slice(1, -1) : rawKey;
    return { entity, key, op: m[3] as '=' | '!=', value: m[5] ?? m[6] ?? '' };
  });
}
