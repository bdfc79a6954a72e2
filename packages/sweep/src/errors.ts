import { isMap, isSeq, type LineCounter, type Node, type Document as YamlDocument } from 'yaml';
import type { z } from 'zod';

export type PathSegment = string | number;

/** `search.space.training.optimizer.lr[2]`: keys joined by dots, list indices in brackets. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out === '' ? '(top level)' : out;
}

/** A value for a message: short, and JSON so strings show their quotes. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A study file that does not validate: every problem, one per line, each naming file, line, YAML path, value and what is allowed. */
export class StudyError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(problems.length === 1 ? (problems[0] as string) : `${source}: ${problems.length} problems:\n  ${problems.join('\n  ')}`);
    this.name = 'StudyError';
  }
}

/** Where a YAML path is written, as `file:line`; the nearest existing ancestor when the path itself is absent. */
export type Locator = (path: readonly PathSegment[], key?: string) => string;

export function yamlLocator(source: string, document?: YamlDocument, lines?: LineCounter): Locator {
  return (path, key) => {
    if (document === undefined || lines === undefined) return source;
    let node: unknown = document.contents;
    let offset: number | undefined = (node as Node | null)?.range?.[0];
    const walk = key === undefined ? path : [...path, key];
    for (const [i, segment] of walk.entries()) {
      const isLastKey = key !== undefined && i === walk.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
        if (pair === undefined) break;
        // The key's line: a block value (a list, a mapping) starts on the lines below it.
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
        if (isLastKey) break;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (item === undefined) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return offset === undefined ? source : `${source}:${lines.linePos(offset).line}`;
  };
}

function valueAt(document: unknown, path: readonly PathSegment[]): unknown {
  let value = document;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PathSegment, unknown>)[segment];
  }
  return value;
}

/** True when a union branch failed only because the value had another type altogether. */
function typeMismatch(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.every(
    (issue) =>
      issue.path.length === 0 &&
      (issue.code === 'invalid_type' || (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors.every((branch) => typeMismatch(branch)))),
  );
}

/** What a zod issue says is allowed, without the value (the caller shows that). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return `must be ${issue.origin === 'array' ? 'a list of at least' : issue.inclusive ? '≥' : '>'} ${issue.minimum}${issue.origin === 'array' ? ' items' : ''}`;
    case 'too_big':
      return `must be ${issue.origin === 'array' ? 'a list of at most' : issue.inclusive ? '≤' : '<'} ${issue.maximum}${issue.origin === 'array' ? ' items' : ''}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => show(v)).join(', ')}`;
    case 'invalid_type':
      return issue.message.startsWith('Invalid input') ? `must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}` : issue.message;
    case 'invalid_union':
      return 'note' in issue && issue.note === 'No matching discriminator' && 'options' in issue
        ? `must be one of ${(issue.options as unknown[]).map((v) => show(v)).join(', ')}`
        : issue.message;
    default:
      return issue.message;
  }
}

/** Turns zod issues into messages naming file:line, the YAML path, the value found and what is allowed. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], document: unknown, locate: Locator, prefix: readonly PathSegment[] = []): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path] as PathSegment[];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const matching = issue.errors.filter((branch) => !typeMismatch(branch));
      if (matching.length === 1) {
        out.push(...formatIssues(matching[0] as z.core.$ZodIssue[], document, locate, path));
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push(`${locate(path, key)}: ${formatPath([...path, key])}: ${issue.message.replace(/^unknown key/, `unknown key ${show(key)}`)}`);
      continue;
    }
    const value = valueAt(document, path);
    const found = value === undefined ? 'missing' : `got ${show(value)}`;
    out.push(`${locate(path)}: ${formatPath(path)}: ${describeIssue(issue)} (${found})`);
  }
  return out;
}
