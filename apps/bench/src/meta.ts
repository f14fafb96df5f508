import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { type BuildInfo, describeBuild } from './build-info.js';
import { PAYLOAD_BYTES } from './payload.js';
import type { Sizes } from './plan.js';
import type { SystemAdapter } from './systems/types.js';

/** Where and with what a run was made; printed above the tables and stored in the JSON. */
export interface RunMeta {
  date: string;
  preset: Sizes['preset'];
  sizes: Sizes;
  machine: { cpuModel: string; cores: number; memoryGiB: number; platform: string };
  node: string;
  redis: string;
  conveyorCommit: string;
  payloadBytes: number;
  systems: { name: string; label: string; version: string; settings: readonly string[] }[];
  workerProcesses: string;
  /**
   * What ran: `dist` (the built packages, as users run them) or `source` (tsx, a developer
   * run), with the paths Node resolved in the harness and in a worker process. Absent in
   * results saved before it was recorded (those ran the sources).
   */
  build?: { mode: BuildInfo['mode']; harness: BuildInfo; workers: BuildInfo; summary: string };
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../../packages'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} + uncommitted changes in packages/` : sha;
  } catch {
    return 'unknown';
  }
}

export function collectMeta(
  sizes: Sizes,
  systems: readonly SystemAdapter[],
  redisVersion: string,
  build: { harness: BuildInfo; workers: BuildInfo },
): RunMeta {
  const cpuList = cpus();
  return {
    date: new Date().toISOString(),
    preset: sizes.preset,
    sizes,
    machine: {
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      cores: cpuList.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform} ${process.arch}`,
    },
    node: process.version,
    redis: redisVersion,
    conveyorCommit: gitCommit(),
    payloadBytes: PAYLOAD_BYTES,
    systems: systems.map(({ name, label, version, settings }) => ({
      name,
      label,
      version,
      settings,
    })),
    workerProcesses: `long-lived child processes (node ${build.workers.entry}), started once, reused for every run`,
    build: {
      mode: build.harness.mode === build.workers.mode ? build.harness.mode : ('mixed' as const),
      harness: build.harness,
      workers: build.workers,
      summary: describeBuild(build.harness, build.workers),
    },
  };
}
