import { z } from 'zod';

/** z.strictObject whose unknown-key error lists the allowed keys, so a typo is never silently ignored. */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key; allowed: ${allowed}` : undefined),
  });
}

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * `a.b[2].c: message; got VALUE` for each issue: the field, what is allowed and the value, as every
 * file reader in the project reports a bad field (parse with `reportInput: true` to get the value).
 */
export function formatIssues(error: z.ZodError): string[] {
  const dotted = (path: readonly PropertyKey[]) =>
    path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${dotted([...issue.path, key])}: ${issue.message}`);
    const where = dotted(issue.path);
    return [`${where === '' ? '' : `${where}: `}${issue.message}${'input' in issue ? `; got ${show(issue.input)}` : ''}`];
  });
}
