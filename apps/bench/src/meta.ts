import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
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
    workerProcesses:
      'long-lived child processes (node --conditions=@conveyor/source --import tsx src/worker-host.ts), sources run through tsx, no build; started once, reused for every run',
  };
}
