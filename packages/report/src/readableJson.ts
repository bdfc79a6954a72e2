/**
 * JSON indented like `JSON.stringify(value, null, 2)`, except that objects and arrays holding only plain values
 * (a data row, a domain) stay on one line: specs stay readable while embedded data costs a line per row.
 */
export function readableJson(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const isArray = Array.isArray(value);
  const entries: [string | undefined, unknown][] = isArray
    ? value.map((item): [undefined, unknown] => [undefined, item])
    : Object.entries(value).filter(([, item]) => item !== undefined && typeof item !== 'function' && typeof item !== 'symbol');
  if (entries.every(([, item]) => item === null || typeof item !== 'object')) return JSON.stringify(value);
  const inner = `${indent}  `;
  const lines = entries.map(([key, item]) => `${inner}${key === undefined ? '' : `${JSON.stringify(key)}: `}${readableJson(item, inner)}`);
  return isArray ? `[\n${lines.join(',\n')}\n${indent}]` : `{\n${lines.join(',\n')}\n${indent}}`;
}
