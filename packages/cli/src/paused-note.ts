import type { FollowUp } from './follow-up.js';

/**
 * The lines after an action that made jobs waiting in paused queues: `Queue "emails" is paused:
 * they run after \`conveyor resume emails\`.` `given` is the name the user gave for the lot
 * (a partitioned queue's name), when there was one: with every queue the jobs went to paused,
 * one line names it; with some of them paused, one line names those. Without `given`, a line
 * per paused queue. `count` says "it" or "they", `done` what happened to the jobs.
 */
export function pausedLines(
  paused: readonly string[],
  into: readonly string[],
  count: number,
  { command, note }: FollowUp,
  given?: string,
  done = 'promoted',
): string[] {
  if (paused.length === 0) return [];
  const they = count === 1 ? 'it runs' : 'they run';
  const resume = (queue: string) => `\`${command`resume ${queue}`}\`${note}`;
  if (given === undefined) {
    return paused.map(
      (queue) => `Queue ${JSON.stringify(queue)} is paused: ${they} after ${resume(queue)}.`,
    );
  }
  if (paused.length === new Set(into).size) {
    return [`Queue ${JSON.stringify(given)} is paused: ${they} after ${resume(given)}.`];
  }
  return [
    `Queue ${JSON.stringify(given)} is paused in part (${paused.join(', ')}): the jobs ${done} there run after ${resume(given)}.`,
  ];
}
