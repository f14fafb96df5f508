import { type Child, h } from '../dom.js';

export interface Column<T> {
  title: string;
  cell: (row: T) => Child;
  /** `num` right-aligns numbers; `wide` lets a column take the slack. */
  class?: string;
}

/**
 * A dense data table, or `empty` as a single row when there are no rows. Each cell carries its
 * column's title as `data-label`: inside a `.phone-cards` wrap (tables.css) a phone draws each
 * row as a card, every cell under its title.
 *
 * @example
 * table([{ title: 'Queue', cell: (q) => q.name }], queues, 'No queues yet.')
 */
export function table<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  empty: string,
  caption?: string,
  rowAttrs?: (row: T) => Record<string, string | boolean | undefined>,
): HTMLElement {
  const head = h(
    'thead',
    null,
    h(
      'tr',
      null,
      columns.map((column) =>
        h('th', { class: column.class, attrs: { scope: 'col' } }, column.title),
      ),
    ),
  );
  const body = h(
    'tbody',
    null,
    rows.length === 0
      ? h(
          'tr',
          { class: 'empty' },
          h(
            'td',
            { attrs: { colspan: columns.length } },
            h('span', { class: 'empty-message' }, empty),
          ),
        )
      : rows.map((row) =>
          h(
            'tr',
            rowAttrs ? { attrs: rowAttrs(row) } : null,
            columns.map((column) =>
              h(
                'td',
                { class: column.class, attrs: { 'data-label': column.title } },
                column.cell(row),
              ),
            ),
          ),
        ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table' },
      caption ? h('caption', { class: 'sr-only' }, caption) : null,
      head,
      body,
    ),
  );
}
