// GET /api/workflows/:id: the workflow's tree (core's describeWorkflow). Only what the UI reads.

import type { Json } from './api-types.js';

export type StepState =
  | 'pending'
  | 'ready'
  | 'running'
  | 'completed'
  | 'failed'
  | 'skipped'
  | 'cancelled';

export type WorkflowStatus = 'running' | 'completed' | 'failed' | 'compensated' | 'cancelled';

export interface StepError {
  message: string;
  code?: string;
}

export interface StepAttempts {
  attempts: number;
  maxAttempts: number;
}

export interface ChildView {
  child: number;
  state: StepState;
  retries: number;
  jobId?: string;
  attempts?: StepAttempts;
  error?: StepError;
  /** Once completed: its stored result (redacted). */
  result?: Json;
}

export interface StepView {
  name: string;
  task: string;
  queue: string;
  onFailure: 'fail' | 'continue' | { compensate: string };
  state: StepState;
  retries: number;
  jobId?: string;
  attempts?: StepAttempts;
  error?: StepError;
  children?: {
    total: number;
    counts: Record<StepState, number>;
    shown: ChildView[];
    hidden: number;
  };
  /** Once completed: its stored result (redacted). */
  result?: Json;
}

export interface StageView {
  index: number;
  kind: 'step' | 'parallel' | 'map';
  current: boolean;
  steps: StepView[];
}

export interface WorkflowView {
  id: string;
  name: string;
  status: WorkflowStatus;
  fingerprint: string;
  /** The fingerprint of the input schema the run was started with, when the producer sent one. */
  inputSchema?: string;
  input: Json;
  failure?: { step: string; child?: number; error: StepError };
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  deadline?: number;
  stages: StageView[];
  compensations: StepView[];
}

export interface WorkflowResponse {
  at: number;
  workflow: WorkflowView;
}
