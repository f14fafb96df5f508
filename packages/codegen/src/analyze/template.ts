import { ts } from 'ts-morph';
import { freeReferences } from './scope.js';

/** Copied source text with the names it uses cut out, so the emitter can rename them. */
export type Template = readonly (string | { readonly ref: string })[];

/**
 * Cuts `node`'s text at every free reference in `names` (and at `ownName`, the name a
 * declaration declares). Continuation lines lose the first line's indentation.
 */
export function toTemplate(
  node: ts.Node,
  names: ReadonlySet<string>,
  ownName?: ts.Identifier,
): Template {
  const source = node.getSourceFile();
  const start = node.getStart(source);
  const end = node.getEnd();
  const cuts = freeReferences(node).filter((id) => names.has(id.text));
  if (ownName) cuts.push(ownName);
  cuts.sort((a, b) => a.getStart(source) - b.getStart(source));
  const lineStart = source.getPositionOfLineAndCharacter(
    source.getLineAndCharacterOfPosition(start).line,
    0,
  );
  const indent = /^[ \t]*/.exec(source.text.slice(lineStart, start))?.[0].length ?? 0;
  const dedent = (text: string) => text.replace(new RegExp(`\\n[ \\t]{0,${indent}}`, 'g'), '\n');

  const parts: (string | { ref: string })[] = [];
  let at = start;
  for (const id of cuts) {
    const idStart = id.getStart(source);
    if (idStart < at) continue;
    parts.push(dedent(source.text.slice(at, idStart)));
    // `{ line }` must keep its key when `line` is renamed.
    if (id !== node && ts.isShorthandPropertyAssignment(id.parent)) parts.push(`${id.text}: `);
    parts.push({ ref: id.text });
    at = id.getEnd();
  }
  parts.push(dedent(source.text.slice(at, end)));
  return parts.filter((part) => part !== '');
}

/** Fills a template's names. */
export function renderTemplate(template: Template, rename: (name: string) => string): string {
  return template.map((part) => (typeof part === 'string' ? part : rename(part.ref))).join('');
}
