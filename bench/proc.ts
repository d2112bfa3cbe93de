// What a process has used, read from Linux /proc: CPU seconds and peak RSS. For benches only; undefined elsewhere.
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) the process has used, or undefined when /proc cannot tell. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Peak resident set size in MB (VmHWM), or undefined when /proc cannot tell. */
export function peakRssMb(pid: number | undefined): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 102.4) / 10;
  } catch {
    return undefined;
  }
}
