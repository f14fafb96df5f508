import type { UserConfig } from 'vitest/config';

/** Conveyor's shared Vitest config, merged with `overrides`. */
export function conveyorVitestConfig(overrides?: UserConfig): UserConfig;
