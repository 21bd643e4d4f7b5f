/**
 * The results file of one `npm run bench` run (bench/results/<date>-<machine>.json):
 * the machine, the commit, and each part's own --json output, raw.
 */
import type { BenchOutput } from './report-json.ts';

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  kernel: string;
  node: string;
  redis: string;
  loadTool: string;
  memoryGb: number;
  loadAverage: number[];
}

export interface PartResult {
  part: string;
  command: string;
  seconds: number;
  exitCode: number | null;
  /** What the part wrote with --json; missing when it failed before writing. */
  output?: BenchOutput;
  /** The last lines of its console output when it failed. */
  failure?: string;
}

export interface RunResults {
  startedAt: string;
  mode: 'full' | 'quick';
  totalSeconds: number;
  commit: string;
  dirty: boolean;
  machine: MachineInfo;
  parts: PartResult[];
  /** Parts run again into this file (`npm run bench -- --only X --into <file>`), with when and at which commit. */
  reruns?: { part: string; startedAt: string; commit: string; loadAverage: number[] }[];
}
