import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type AnyWorkflowLike,
  createClient,
  type EnqueueOptions,
  type JobHandle,
  type JsonValue,
  ValidationError,
} from '@conveyor/core';
import { objectShapeOf, pausedQueuesAmong, queueOfJobId } from '@conveyor/core/transport';
import { revived } from '@conveyor/core/worker';
import { recordAction } from '../audit-trail.js';
import type { Connection } from '../connection.js';
import { CliError } from '../errors.js';
import { type FollowUp, followUp as noFlags, shellQuote } from '../follow-up.js';
import { interruptGracefully } from '../interrupt-note.js';
import { type Io, isoTime, printJson } from '../output.js';
import { pausedLines } from '../paused-note.js';
import { type Redaction, SHOW_AS_STORED } from '../redaction.js';
import { contractNamed, type Enqueueable, loadContracts } from './enqueue-contracts.js';
import { redactedOutcome, type Started, waitFailed, waitFor } from './enqueue-wait.js';

export {
  contractNamed,
  type Enqueueable,
  type LoadedContracts,
  loadContracts,
} from './enqueue-contracts.js';

/** `conveyor enqueue`'s options, as commander parses them. */
export interface EnqueueCommandOptions {
  /** A module exporting the tasks (or their contracts); default the config's generated client. */
  tasks?: string;
  inputFile?: string;
  delay?: number;
  priority?: number;
  attempts?: number;
  idempotencyKey?: string;
  /** Wait for the job's outcome, at most this many seconds (`true`: no limit). */
  wait?: number | true;
  json?: boolean;
}

/** What the input errors show: the task's fields and a command to copy (from {@link inputExample}). */
export interface InputExample {
  /** `task "app.greet" takes an object with who` (empty when its fields are unknown). */
  takes: string;
  /** `conveyor enqueue app.greet '{"who": …}'`. */
  command: string;
}

/** Where the command ran: the options an example command must carry to act the same. */
export interface CommandLine {
  /** The options that chose the transport (`--redis`, `--config`, …). */
  followUp?: FollowUp;
  /** `--tasks`, as given. */
  tasks?: string;
}

/**
 * The example for `contract`'s input: its fields when its schema is a plain object, in a
 * command that carries `--tasks` and the options that chose the transport, when given.
 */
export function inputExample(
  { kind, contract }: Enqueueable,
  { followUp = noFlags(), tasks }: CommandLine = {},
): InputExample {
  const fields = Object.keys(objectShapeOf(contract.input) ?? {});
  const name = contract.name;
  const options = `${tasks === undefined ? '' : ` --tasks ${shellQuote(tasks)}`}${followUp.options}`;
  const command = (json: string, note = '') =>
    `conveyor enqueue ${shellQuote(name)} ${json}${options}${note}${followUp.note}`;
  if (fields.length === 0) return { takes: '', command: command(`'<JSON>'`) };
  const shown = fields.slice(0, 6);
  const more = fields.length > shown.length ? ', …' : '';
  return {
    takes: `${kind} ${JSON.stringify(name)} takes an object with ${shown.join(', ')}${more}`,
    command: command(
      `'{${shown.map((field) => `${JSON.stringify(field)}: …`).join(', ')}${more}}'`,
      ' (your values in place of …)',
    ),
  };
}

/** Parses the job's input: the argument, or the file (`-`: stdin) of `--input-file`. */
export function readInput(
  text: string | undefined,
  inputFile: string | undefined,
  cwd: string,
  /** The task or workflow, whose fields the errors show. */
  contract?: Enqueueable,
  /** The options the errors' example command carries. */
  commandLine?: CommandLine,
): unknown {
  const example = contract && inputExample(contract, commandLine);
  if (text !== undefined && inputFile !== undefined) {
    throw new CliError('USAGE', 'Give the input as an argument or with --input-file, not both.');
  }
  let source = 'the input';
  if (inputFile !== undefined) {
    const file = inputFile === '-' ? 0 : path.resolve(cwd, inputFile);
    source = inputFile === '-' ? 'stdin' : `--input-file ${inputFile}`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError('USAGE', `Could not read ${source}: ${reason}.`);
    }
  }
  if (text === undefined) {
    throw new CliError(
      'USAGE',
      `Missing input: ${example?.takes ? `${example.takes}; ` : ''}give the job's input as JSON, e.g. ${example?.command ?? `conveyor enqueue <task> '{"orderId":"o-1"}'`}, or --input-file <file> (- for stdin).`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const shown = text.length > 120 ? `${text.slice(0, 100)}… (${text.length} characters)` : text;
    throw new CliError(
      'USAGE',
      `${source === 'the input' ? 'The input' : `The input from ${source}`} is not JSON (${reason}): ${JSON.stringify(shown)}. ${example?.takes ? `${capitalized(example.takes)}: give` : 'Give'} a JSON value, quoted for the shell: ${example?.command ?? `'{"orderId":"o-1"}'`}.`,
    );
  }
}

/**
 * The task or workflow `name` names and its input, both checked before any connection is
 * made: an unknown name and bad input are refused, the input's errors showing its fields.
 */
export async function targetAndInput(
  name: string | undefined,
  text: string | undefined,
  options: EnqueueCommandOptions,
  where: CommandLine & { config: string | undefined; cwd: string },
): Promise<{ contract: Enqueueable; input: unknown }> {
  const contracts = await loadContracts(options.tasks, where.config, where.cwd);
  const contract = contractNamed(contracts, name as string);
  return { contract, input: readInput(text, options.inputFile, where.cwd, contract, where) };
}

/** Options that set a job's delivery, which a workflow's steps take from their tasks. */
const JOB_ONLY = [
  ['delay', '--delay'],
  ['priority', '--priority'],
  ['attempts', '--attempts'],
] as const;

/**
 * `conveyor enqueue <name> [input]`: one job, as the producer's `enqueue` adds it, or one
 * run of a workflow, as `client.workflows.start` does.
 */
export async function enqueueJob(
  connection: Connection,
  target: Enqueueable,
  input: unknown,
  options: EnqueueOptionsOfCommand,
  io: Io,
): Promise<void> {
  // Loaded and connected: from here on, under --wait, Ctrl-C stops the wait (or lets the
  // enqueue in flight answer first) and names the job, which goes on; a signal before this
  // ended the command at once, enqueueing nothing.
  if (options.wait !== undefined) interruptGracefully(true);
  try {
    await enqueueAndReport(connection, target, input, options, io);
  } finally {
    interruptGracefully(false);
  }
}

type EnqueueOptionsOfCommand = EnqueueCommandOptions & {
  followUp?: FollowUp;
  signal?: AbortSignal;
  /** What `--wait` prints of the result: redacted as the dashboard shows it. */
  redaction?: Redaction;
};

async function enqueueAndReport(
  connection: Connection,
  target: Enqueueable,
  input: unknown,
  options: EnqueueOptionsOfCommand,
  io: Io,
): Promise<void> {
  const followUp = options.followUp ?? noFlags();
  const { name } = target.contract;
  // The command's connection stays open for its close: the client closes nothing.
  // A key that comes back with another input enqueues nothing: refused (exit 7), not a
  // warning on the console beside 'Enqueued' and exit 0.
  const client = createClient({ transport: connection.transport, idempotency: 'strict' });
  // JSON has no Date: an ISO string where the schema says z.date() becomes one, as the
  // worker revives it (docs/json-boundary.md).
  const given = revived(target.contract.input, input);
  let started: Started;
  try {
    started =
      target.kind === 'task'
        ? jobStarted(await client.enqueue(target.contract, given, jobOptions(options)), options)
        : await startWorkflow(client, target.contract, given, options);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'VALIDATION_FAILED') {
      // Quoted as typed (an ISO string, not the Date it became), redacted.
      const redaction = options.redaction ?? SHOW_AS_STORED;
      const message = quotedRedacted(error as ValidationError, target, input, redaction);
      throw new CliError('USAGE', message, { cause: error });
    }
    if (code === 'PAYLOAD_TOO_LARGE') {
      // Core's advice ends 'or raise the client's maxPayloadBytes (createClient; …)': this
      // command's client has the default, and no option changes it.
      const { bytes, limit } = error as { bytes: number; limit: number };
      throw new CliError(
        'USAGE',
        `The input of ${target.kind} ${JSON.stringify(target.contract.name)} is ${bytes} bytes as JSON, over the ${limit}-byte limit. Store large data elsewhere (database, object store) and pass its id.`,
        { cause: error },
      );
    }
    if (code === 'NOT_JSON') {
      throw new CliError('USAGE', (error as Error).message, { cause: error });
    }
    if (code === 'IDEMPOTENCY_CONFLICT') {
      throw new CliError('CONFLICT', (error as Error).message, { cause: error });
    }
    throw error;
  }
  await recordAction(
    connection,
    target.kind === 'task'
      ? {
          action: 'job.enqueue',
          jobId: started.id,
          queue: queueOfJobId(started.id),
          detail: { task: name, ...(started.duplicate ? { duplicate: true } : {}) },
        }
      : {
          action: 'workflow.start',
          detail: { workflow: started.id, name, ...(started.duplicate ? { duplicate: true } : {}) },
        },
    io,
  );
  // What this call did; a duplicate's is what became of the earlier job (or run).
  const state = started.duplicate ? await started.state() : started.initial;
  // A paused queue holds the job: said before any --wait, which would otherwise run out
  // with no word why (retry and promote say the same).
  const queue = target.kind === 'task' ? queueOfJobId(started.id) : undefined;
  if (queue !== undefined && connection.admin && state !== 'completed') {
    const paused = await pausedQueuesAmong(connection.admin, [queue]);
    for (const line of pausedLines(paused, [queue], 1, followUp)) io.stderr(`note: ${line}`);
  }
  const what = target.kind === 'task' ? 'job' : 'workflow';
  // Said before a --wait, which can last: the id was printed only once the wait ended.
  if (!options.json) io.stdout(await startedLine(started, state, name, target.kind));
  let waited: Awaited<ReturnType<typeof waitFor>> | undefined;
  try {
    waited = options.wait === undefined ? undefined : await waitFor(started, options);
  } catch (error) {
    throw waitFailed(connection, error, `${what} ${started.id}`, followUp);
  }
  const outcome = waited && redactedOutcome(waited, options.redaction ?? SHOW_AS_STORED);
  if (options.json) {
    printJson(io, {
      id: started.id,
      [target.kind]: name,
      duplicate: started.duplicate,
      state: outcome?.state ?? state,
      ...(outcome && 'result' in outcome ? { result: outcome.result } : {}),
      ...(outcome && 'error' in outcome ? { error: outcome.error } : {}),
      ...(outcome && 'resultKept' in outcome ? { resultKept: false } : {}),
    });
  } else {
    if (outcome === undefined) {
      io.stdout(`\`${followUp.command`inspect ${started.id}`}\` shows it${followUp.note}.`);
    } else if ('result' in outcome) {
      io.stdout(`Completed; result: ${JSON.stringify(outcome.result) ?? 'undefined'}`);
    } else if ('resultKept' in outcome) {
      io.stdout(
        'Completed; its result was not kept: the worker deleted its record as it completed (removeOnComplete).',
      );
    }
  }
  if (outcome && 'error' in outcome) {
    // A record that is gone: inspect has nothing to show either.
    const inspect =
      outcome.state === 'gone'
        ? ''
        : ` \`${followUp.command`inspect ${started.id}`}\` shows the ${what}${followUp.note}.`;
    throw new CliError('FAILED', `${outcome.error}${inspect}`);
  }
}

/** `Enqueued app.greet as app:…: waiting.`, or what a duplicate or a workflow's start says. */
async function startedLine(
  started: Started,
  state: string,
  name: string,
  kind: Enqueueable['kind'],
): Promise<string> {
  const what = kind === 'task' ? 'job' : 'workflow';
  const again = started.duplicate ? ` (the idempotency key matched this earlier ${what})` : '';
  // A duplicate started nothing: it names the earlier job or run.
  const verb = started.duplicate
    ? kind === 'task'
      ? 'Nothing enqueued: already enqueued'
      : 'Nothing started: already started workflow'
    : kind === 'task'
      ? 'Enqueued'
      : 'Started workflow';
  // A delay in the wrong unit shows here, as a date far off, not as a job that never runs.
  const dueAt = state === 'delayed' ? await started.dueAt?.() : undefined;
  const due = dueAt === undefined ? '' : ` until ${isoTime(dueAt) ?? dueAt}`;
  return `${verb} ${name} as ${started.id}: ${state}${due}${again}.`;
}

function jobOptions(options: EnqueueCommandOptions): EnqueueOptions {
  return {
    delay: options.delay,
    priority: options.priority,
    attempts: options.attempts,
    idempotencyKey: options.idempotencyKey,
  };
}

function jobStarted(handle: JobHandle, options: EnqueueCommandOptions): Started {
  return {
    id: handle.id,
    duplicate: handle.duplicate,
    initial: options.delay !== undefined && options.delay > 0 ? 'delayed' : 'waiting',
    state: () => handle.status(),
    dueAt: async () => (await handle.info())?.dueAt,
    result: (options) => handle.result(options),
  };
}

async function startWorkflow(
  client: ReturnType<typeof createClient>,
  workflow: AnyWorkflowLike,
  input: unknown,
  options: EnqueueCommandOptions,
): Promise<Started> {
  for (const [key, flag] of JOB_ONLY) {
    if (options[key] !== undefined) {
      throw new CliError(
        'USAGE',
        `${flag} applies to a task's job, and ${JSON.stringify(workflow.name)} is a workflow: its steps take their tasks' settings. Leave ${flag} out.`,
      );
    }
  }
  const run = await client.workflows.start(workflow, input as never, {
    idempotencyKey: options.idempotencyKey,
  });
  return {
    id: run.id,
    duplicate: run.duplicate,
    initial: 'running',
    state: async () => (await run.status())?.status ?? 'unknown',
    result: (wait) => run.result(wait),
  };
}

/**
 * The message of a refused input, its quoted values redacted as the command redacts job
 * data (the default paths, --redact, the schema's marks): an operator's terminal and a CI
 * log showed `password: … (got "hunter2")` though the input is never printed back.
 */
function quotedRedacted(
  error: ValidationError,
  target: Enqueueable,
  input: unknown,
  redaction: Redaction,
): string {
  if (!redaction.active) return error.message;
  const value = redaction.value(input as JsonValue);
  return new ValidationError(error.task, error.target, error.issues, {
    afterJson: error.afterJson,
    of: target.kind,
    value,
  }).message;
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
