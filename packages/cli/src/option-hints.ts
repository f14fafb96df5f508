import { nearestName } from '@conveyor/core/transport';
import type { Command } from 'commander';
import { namedCommand } from './help-command.js';

/**
 * Options a Celery user types (`celery worker --loglevel=info -Q emails`), by command, with
 * what `conveyor` takes instead.
 */
const FROM_CELERY: Record<string, Record<string, string>> = {
  worker: {
    '--loglevel': '--log-level <level>',
    '-l': '--log-level <level>',
    '-Q': '-q, --queues <list>',
    '-n': '--worker-id <id>',
    '--hostname': '--worker-id <id>',
    '--prefetch-multiplier': '--prefetch <n> (a number of jobs, not a multiple of --concurrency)',
    '-B': 'nothing: every worker fires the schedules of its queues, with no separate beat',
    '--beat': 'nothing: every worker fires the schedules of its queues, with no separate beat',
  },
  enqueue: {
    '--countdown': '--delay <ms> (milliseconds: Celery’s countdown=10 is --delay 10000)',
    '--eta': '--delay <ms> (the time until it, in ms; from code, the eta option takes a Date)',
    '--expires': 'nothing here; from code, the expiresAt option',
    '--queue': 'nothing: a task’s queue is its definition’s; from code, the queue option',
    '-Q': 'nothing: a task’s queue is its definition’s; from code, the queue option',
  },
};

/**
 * What to say of an unknown option commander made no suggestion for: a Celery option's
 * counterpart, or for `--name=value` (commander suggests only for `--name`) the nearest option
 * of the command. Undefined when there is nothing to say.
 */
export function unknownOptionHint(
  program: Command,
  argv: readonly string[],
  option: string,
): string | undefined {
  const { named, command } = namedCommand(program, argv);
  const name = option.includes('=') ? option.slice(0, option.indexOf('=')) : option;
  const celery = named === undefined ? undefined : FROM_CELERY[named]?.[name];
  if (celery) return `in conveyor ${named}, use ${celery}`;
  if (!command || name === option) return undefined;
  const longs = command.options.flatMap((o) => (o.long ? [o.long] : []));
  if (longs.includes(name)) return undefined;
  const nearest = nearestName(name, longs);
  return nearest === undefined ? undefined : `Did you mean ${nearest}?`;
}
