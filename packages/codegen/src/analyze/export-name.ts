import { ts } from 'ts-morph';

/** True when `name` is an identifier name (`sendEmail`, `delete`), not a string-only one. */
export function isIdentifierName(name: string): boolean {
  const [first, ...rest] = [...name].map((char) => char.codePointAt(0) ?? 0);
  return (
    first !== undefined &&
    ts.isIdentifierStart(first, ts.ScriptTarget.Latest) &&
    rest.every((point) => ts.isIdentifierPart(point, ts.ScriptTarget.Latest))
  );
}

/**
 * The identifier the generated files name a task, workflow or schedule after (its stub,
 * contract, schemas and registry import): the export name when it is one, else the words of
 * an ES2022 string export name in camelCase (`export { a as 'send-email' }` → `sendEmail`).
 * The string name is kept where it is a key: the registry imports `'send-email' as sendEmail`.
 */
export function exportIdentifier(exportName: string): string {
  if (isIdentifierName(exportName)) return exportName;
  const words: string[] = [];
  let word = '';
  for (const char of exportName) {
    if (ts.isIdentifierPart(char.codePointAt(0) ?? 0, ts.ScriptTarget.Latest)) {
      word += char;
    } else if (word !== '') {
      words.push(word);
      word = '';
    }
  }
  if (word !== '') words.push(word);
  const joined = words
    .map((part, index) => (index === 0 ? part : `${part[0]?.toUpperCase()}${part.slice(1)}`))
    .join('');
  if (joined === '') {
    // Nothing to keep (`'🙂'`): the code points, so that the identifier stays deterministic.
    return `_${[...exportName].map((char) => char.codePointAt(0)?.toString(16)).join('_')}`;
  }
  return isIdentifierName(joined) ? joined : `_${joined}`;
}
