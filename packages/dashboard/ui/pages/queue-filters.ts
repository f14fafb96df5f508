// The queue page's view of its URL (`?state=`, `?task=`, `?id=`, an indexed field) and the
// filter forms that change it.
import { type IndexedField, isEnded, LIST_STATES, type ListState } from '../api-types.js';
import { h } from '../dom.js';
import { navigate, paths } from '../router.js';
import { field, searchInput } from './page.js';
import { otherQueueJob } from './queue-parts.js';

/** What the URL asks the page to list. */
export interface View {
  state: ListState;
  cursor?: string;
  task?: string;
  id?: string;
  field?: string;
  value?: string;
  /** A `?state=` that is none of the list states: the page says so and lists nothing. */
  unknownState?: string;
}

export function readView(params: URLSearchParams): View {
  const state = params.get('state') as ListState | null;
  const known =
    state !== null && ((LIST_STATES as readonly string[]).includes(state) || isEnded(state));
  const view: View = { state: known ? state : 'waiting' };
  if (state && !known) view.unknownState = state;
  for (const key of ['cursor', 'task', 'id', 'field', 'value'] as const) {
    const value = params.get(key);
    if (value) view[key] = value;
  }
  return view;
}

/**
 * The Job id field's example: a partitioned queue's ids start with a partition's name
 * (`emails~3of8:…`), so `emails:…` would be no id of it.
 */
export function idExample(queue: string, partitioned: boolean): string {
  return partitioned ? `${queue}~…:…` : `${queue}:…`;
}

/** The filter forms; `idPlaceholder` is {@link idExample}'s, from the counts the page has. */
export function filters(
  queue: string,
  view: View,
  fields: readonly IndexedField[],
  idPlaceholder: string,
): HTMLElement {
  const task = searchInput('task', view.field ? undefined : view.task, 'any task');
  const taskForm = h(
    'form',
    {
      class: 'filter',
      attrs: { role: 'search', 'aria-label': 'Filter by task' },
      on: {
        submit: (event) => {
          event.preventDefault();
          navigate(paths.queue(queue, { state: view.state, task: task.value.trim() }));
        },
      },
    },
    field('filter-task', 'Task', task),
    h('button', { class: 'button', attrs: { type: 'submit' } }, 'Filter'),
  );
  const id = searchInput('id', view.id, idPlaceholder);
  const idForm = h(
    'form',
    {
      class: 'filter',
      attrs: { role: 'search', 'aria-label': 'Find a job by id' },
      on: {
        submit: (event) => {
          event.preventDefault();
          const value = id.value.trim();
          const elsewhere = otherQueueJob(queue, value);
          navigate(elsewhere ?? paths.queue(queue, value ? { id: value } : { state: view.state }));
        },
      },
    },
    field('filter-id', 'Job id', id),
    h('button', { class: 'button', attrs: { type: 'submit' } }, 'Find'),
  );
  if (fields.length === 0) return h('div', { class: 'filters' }, taskForm, idForm);

  const key = (f: IndexedField): string => JSON.stringify([f.task, f.field]);
  const select = h(
    'select',
    { attrs: { name: 'field' } },
    fields.map((f) =>
      h(
        'option',
        { attrs: { value: key(f), selected: view.field === f.field && view.task === f.task } },
        `${f.task} › ${f.field}`,
      ),
    ),
  );
  const value = searchInput('value', view.value, 'exact value');
  // An empty value is no search: the browser asks for one instead of the server's 400.
  value.required = true;
  const fieldForm = h(
    'form',
    {
      class: 'filter',
      attrs: { role: 'search', 'aria-label': 'Search by an indexed input field' },
      on: {
        submit: (event) => {
          event.preventDefault();
          const [taskName, fieldName] = JSON.parse(select.value) as [string, string];
          navigate(paths.queue(queue, { task: taskName, field: fieldName, value: value.value }));
        },
      },
    },
    field('filter-field', 'Indexed field', select),
    field('filter-value', 'Value', value),
    h('button', { class: 'button', attrs: { type: 'submit' } }, 'Search'),
  );
  return h('div', { class: 'filters' }, taskForm, idForm, fieldForm);
}
