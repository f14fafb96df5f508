/**
 * A worker process. The harness keeps a few of these alive for the whole run and drives
 * them over IPC: `prepare` connects a consumer of one system, `go` starts it, `finish`
 * stops it and reports its counts and the CPU time it used in between (or since `mark`).
 */
import { buildInfo } from './build-info.js';
import { now } from './payload.js';
import { systemByName } from './systems/index.js';
import type { Consumer } from './systems/types.js';
import type { HostCommand, HostCounts, HostReply } from './worker-protocol.js';

const PROGRESS_EVERY_MS = 50;
/** CPU time is sampled at most this often, at a completion, so idle time after the last job is not counted. */
const CPU_SAMPLE_EVERY_MS = 5;

let consumer: Consumer | undefined;
const NO_COUNTS: HostCounts = {
  completed: 0,
  retried: 0,
  lastAt: 0,
  firstAt: 0,
  readyAt: 0,
  parentAt: 0,
};

let counts: HostCounts = { ...NO_COUNTS };
let cpuAtGo: NodeJS.CpuUsage | undefined;
let cpuAtLast: NodeJS.CpuUsage | undefined;
let cpuSampledAt = 0;
let ticker: NodeJS.Timeout | undefined;
let reported = -1;

function send(reply: HostReply): void {
  process.send?.(reply);
}

function startCpu(): void {
  cpuAtGo = process.cpuUsage();
  cpuAtLast = undefined;
  cpuSampledAt = now();
}

function reportProgress(force = false): void {
  const seen = counts.completed + counts.retried;
  if (seen === reported && !force) return;
  reported = seen;
  send({ type: 'progress', ...counts });
}

async function handle(command: HostCommand): Promise<void> {
  switch (command.type) {
    case 'prepare': {
      counts = { ...NO_COUNTS };
      reported = -1;
      consumer = await systemByName(command.system).createConsumer(command.options, {
        onCompleted() {
          counts.completed += 1;
          counts.lastAt = now();
          if (counts.firstAt === 0) counts.firstAt = counts.lastAt;
          if (counts.lastAt - cpuSampledAt >= CPU_SAMPLE_EVERY_MS) {
            cpuSampledAt = counts.lastAt;
            cpuAtLast = process.cpuUsage(cpuAtGo);
          }
        },
        onRetried() {
          counts.retried += 1;
        },
        onParentCompleted() {
          counts.parentAt = now();
          // Reported at once: the harness is waiting for exactly this.
          reportProgress(true);
        },
      });
      send({ type: 'ready' });
      return;
    }
    case 'go': {
      startCpu();
      ticker = setInterval(reportProgress, PROGRESS_EVERY_MS);
      await consumer?.start();
      counts.readyAt = now();
      reported = -1;
      reportProgress();
      return;
    }
    case 'mark':
      startCpu();
      return;
    case 'finish': {
      // CPU up to about the last completion; the shutdown is not part of the measurement.
      const cpu = cpuAtLast ?? process.cpuUsage(cpuAtGo);
      clearInterval(ticker);
      await consumer?.stop();
      consumer = undefined;
      send({ type: 'finished', ...counts, cpuMicros: cpu.user + cpu.system });
      return;
    }
    case 'describe':
      send({ type: 'build', build: buildInfo() });
      return;
    case 'exit':
      process.exit(0);
  }
}

process.on('message', (command: HostCommand) => {
  handle(command).catch((error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));
