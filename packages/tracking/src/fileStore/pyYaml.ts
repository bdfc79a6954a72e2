/**
 * The subset of PyYAML's `safe_dump(default_flow_style=False, sort_keys=True)` that MLflow's
 * meta.yaml files use: one flat mapping of null, integers, strings and empty lists. Strings that
 * YAML 1.1 would read as something else are single-quoted, as PyYAML does (`experiment_id: '0'`).
 */
export type MetaValue = string | number | null | readonly never[];

// PyYAML's implicit resolvers (YAML 1.1): a plain scalar matching one of these is not a string.
const IMPLICIT_NON_STRING = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:~|null|Null|NULL)$/,
  /^[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
  /^(?:<<|=)$/,
];

function needsQuotes(s: string): boolean {
  if (s === '') return true;
  if (IMPLICIT_NON_STRING.some((re) => re.test(s))) return true;
  // Indicators that cannot start a plain scalar, and sequences that end one early.
  if (/^[,[\]{}#&*!|>'"%@`]/.test(s)) return true;
  if (/^[-?:](\s|$)/.test(s)) return true;
  if (/: |\s#|:$/.test(s)) return true;
  if (/^\s|\s$/.test(s)) return true;
  return false;
}

function formatScalar(value: MetaValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`meta.yaml holds integers only, got ${value}`);
    return String(value);
  }
  const s = value as string;
  // Control characters need double-quoted escapes; MLflow's values never hold them, so refuse.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to detect them
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new Error(`meta.yaml value ${JSON.stringify(s)} holds a control character`);
  return needsQuotes(s) ? `'${s.replaceAll("'", "''")}'` : s;
}

/** Serialises a flat mapping with keys sorted, one `key: value` per line. */
export function dumpMetaYaml(data: Readonly<Record<string, MetaValue>>): string {
  return Object.keys(data)
    .sort()
    .map((key) => `${key}: ${formatScalar(data[key] as MetaValue)}\n`)
    .join('');
}
