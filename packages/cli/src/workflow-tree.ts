import {
  DEFAULT_LISTED_CHILDREN,
  type JsonValue,
  type WorkflowChildView,
  type WorkflowErrorView,
  type WorkflowStatus,
  type WorkflowStepState,
  type WorkflowStepView,
  type WorkflowView,
} from '@conveyor/core';
import { formatTime, preview } from './output.js';
import { cutLine, terminalText } from './terminal-text.js';

// The human view of `conveyor inspect <workflow id>`: a header of `label  value` lines, then
// the stages in plan order, one aligned row per step (name, task, state, attempts, job id),
// a map's children summarised under its step (each completed one with its result on the line
// below, cut), then the compensations. Every string from
// the record (names, ids, errors, the input) goes through terminalText.

const LABEL = 10;
/** How much of a step's result its line shows; `--json` has it whole. */
const RESULT_CHARS = 100;
const INDENT = '  ';

const STATE_ORDER: readonly WorkflowStepState[] = [
  'completed',
  'running',
  'ready',
  'pending',
  'failed',
  'skipped',
  'cancelled',
];

type Row = { cells: string[]; error?: WorkflowErrorView; result?: JsonValue; indent: string };

function errorText(error: WorkflowErrorView): string {
  const code = error.code === undefined ? '' : `${error.code}: `;
  // One line: the rest of a multi-line message is in the step job's own record.
  return cutLine(`${code}${error.message}`.split('\n')[0] ?? '');
}

function stateText(state: WorkflowStepState, retries: number): string {
  return retries > 0 ? `${state} (retry ${retries})` : state;
}

function attemptsText(unit: WorkflowStepView | WorkflowChildView): string {
  if (unit.attempts) return `attempt ${unit.attempts.attempts} of ${unit.attempts.maxAttempts}`;
  return unit.jobId === undefined ? '-' : 'job gone';
}

function stepRow(step: WorkflowStepView, indent: string): Row {
  return {
    indent,
    cells: [
      terminalText(step.name),
      terminalText(step.task),
      stateText(step.state, step.retries),
      attemptsText(step),
      terminalText(step.jobId ?? '-'),
    ],
    ...(step.error ? { error: step.error } : {}),
    ...resultOf(step),
  };
}

/** The stored result `addStepResults` set on a completed step or child, for its row. */
function resultOf(unit: WorkflowStepView | WorkflowChildView): { result?: JsonValue } {
  const { result } = unit;
  return result === undefined ? {} : { result };
}

/**
 * A map that has no children: expanded to none (its items mapping returned no items), not
 * expanded and never to be (it failed, was skipped by its policy or cancelled, or the run
 * ended first), or not expanded yet.
 */
function noChildren(step: WorkflowStepView, status: WorkflowStatus): string {
  switch (step.state) {
    case 'completed':
      return 'children: none (its items mapping returned no items)';
    case 'skipped':
      return "children: none, not expanded (the step failed and was skipped: onFailure 'continue')";
    case 'failed':
      return 'children: none, not expanded (the step failed)';
    case 'cancelled':
      return 'children: none, not expanded (the step was cancelled)';
    default:
      return status === 'running'
        ? 'children: not expanded yet'
        : `children: none, not expanded (the run ended ${status} first)`;
  }
}

/** `10,000 children: 3 completed, 1 failed, 9,996 cancelled`. */
function childrenSummary(step: WorkflowStepView, status: WorkflowStatus): string {
  const children = step.children;
  if (!children) return '';
  if (children.total === 0) return noChildren(step, status);
  const parts = STATE_ORDER.filter((state) => children.counts[state] > 0).map(
    (state) => `${children.counts[state].toLocaleString('en-US')} ${state}`,
  );
  const noun = children.total === 1 ? 'child' : 'children';
  return `${children.total.toLocaleString('en-US')} ${noun}: ${parts.join(', ')}`;
}

/** Lays out rows: each column padded to its widest cell, errors on the line below. */
function layout(rows: readonly (Row | string)[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    if (typeof row === 'string') continue;
    row.cells.forEach((cell, index) => {
      const width = index === 0 ? cell.length + row.indent.length : cell.length;
      widths[index] = Math.max(widths[index] ?? 0, width);
    });
  }
  const lines: string[] = [];
  for (const row of rows) {
    if (typeof row === 'string') {
      lines.push(row);
      continue;
    }
    const [first = '', ...rest] = row.cells;
    const cells = [
      (row.indent + first).padEnd(widths[0] ?? 0),
      ...rest.map((cell, index) => cell.padEnd(widths[index + 1] ?? 0)),
    ];
    lines.push(`${INDENT}${cells.join('  ')}`.trimEnd());
    if (row.error) lines.push(`${INDENT}${row.indent}  error: ${errorText(row.error)}`);
    if (row.result !== undefined) {
      lines.push(`${INDENT}${row.indent}  result: ${preview(row.result, RESULT_CHARS)}`);
    }
  }
  return lines;
}

/** The lines `conveyor inspect <workflow id>` prints. */
export function describeWorkflowTree(view: WorkflowView, now: number): string[] {
  const header: Array<[string, string | undefined]> = [
    ['Workflow', view.id],
    ['Name', view.name],
    ['Status', view.status],
    ['Created', formatTime(view.createdAt, now)],
    ['Updated', formatTime(view.updatedAt, now)],
    ['Finished', view.finishedAt === undefined ? undefined : formatTime(view.finishedAt, now)],
    ['Deadline', view.deadline === undefined ? undefined : formatTime(view.deadline, now)],
  ];
  const lines = header
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `${label.padEnd(LABEL)}${terminalText(value)}`);
  if (view.failure) {
    const { step, child, error } = view.failure;
    const where = `step ${JSON.stringify(step)}${child === undefined ? '' : ` child ${child}`}`;
    lines.push(`${'Failure'.padEnd(LABEL)}${terminalText(where)}: ${errorText(error)}`);
  }
  // The undo that did not happen: as the failed lists and the run's error say it.
  const undo = view.compensations.find((step) => step.state === 'failed' && step.error);
  if (undo?.error) {
    const where = `compensation ${JSON.stringify(undo.name)} failed`;
    lines.push(`${''.padEnd(LABEL)}${terminalText(where)}: ${errorText(undo.error)}`);
  }
  lines.push(`${'Input'.padEnd(LABEL)}${preview(view.input)}`);

  const rows: Array<Row | string> = [''];
  rows.push({ indent: '', cells: ['STEP', 'TASK', 'STATE', 'ATTEMPTS', 'JOB'] });
  let hiddenChildren = false;
  for (const stage of view.stages) {
    const marker = stage.current ? '  (running now)' : '';
    rows.push(`Stage ${stage.index + 1}: ${stage.kind}${marker}`);
    for (const step of stage.steps) {
      rows.push(stepRow(step, ''));
      const children = step.children;
      if (!children) continue;
      rows.push(`${INDENT}  ${childrenSummary(step, view.status)}`);
      for (const child of children.shown) {
        rows.push({
          indent: '  ',
          cells: [
            `#${child.child}`,
            '',
            stateText(child.state, child.retries),
            attemptsText(child),
            terminalText(child.jobId ?? '-'),
          ],
          ...(child.error ? { error: child.error } : {}),
          ...resultOf(child),
        });
      }
      if (children.hidden > 0) {
        hiddenChildren = true;
        rows.push(`${INDENT}  … ${children.hidden.toLocaleString('en-US')} more not listed`);
      }
    }
  }
  if (view.compensations.length > 0) {
    rows.push('Compensations (run only when a step that names one fails)');
    for (const step of view.compensations) rows.push(stepRow(step, ''));
  }
  lines.push(...layout(rows));
  if (hiddenChildren) {
    lines.push(
      '',
      `A map lists its first ${DEFAULT_LISTED_CHILDREN} children and its failed ones; --all lists every child.`,
    );
  }
  return lines;
}
