// Test helper: runs the agentmail-ops bin as an operator would (a child process with only PATH and what the test
// gives), collecting its output and exit code; never used by production code.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface OpsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `onStderr` sees stderr as it grows (watch says when it listens) and may interrupt the run (Ctrl-C). */
export function runOps(
  args: string[],
  opts: { env: Record<string, string>; onStderr?: (text: string, interrupt: () => void) => void },
): Promise<OpsRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/agentmail-ops.js', ...args], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      opts.onStderr?.(stderr, () => child.kill('SIGINT'));
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agentmail-ops ${args.join(' ')} still running after 90 s; stderr: ${stderr}`));
    }, 90_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
