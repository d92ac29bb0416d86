/**
 * The machine a run measured on (for BENCHMARKS.md): CPU model, cores, memory, Node version, date.
 */
import { arch, cpus, platform, totalmem } from 'node:os';

/** Facts about the machine and runtime. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly date: string;
}

/** Reads the machine facts from node:os and process. */
export function machineInfo(now = new Date()): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${arch()}`,
    node: process.version,
    date: now.toISOString().slice(0, 10),
  };
}
