// winston JSON logs: one line per event with node id, actor id and message id; it must never log message bodies.
import winston from 'winston';

export const LogLevel = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LogLevel)[number];

export type Meta = Record<string, unknown>;
export interface Logger {
  error(message: string, meta?: Meta): void;
  warn(message: string, meta?: Meta): void;
  info(message: string, meta?: Meta): void;
  debug(message: string, meta?: Meta): void;
  child(meta: Meta): Logger;
}

/**
 * winston formats every call (timestamp, JSON) before its transports drop the levels they do not print, so a
 * disabled debug line costs as much as a printed one; per-decision debug events made that visible. A level
 * the logger does not print returns before winston sees it.
 */
class LevelGuard implements Logger {
  constructor(
    private readonly w: winston.Logger,
    private readonly enabled: ReadonlySet<string>,
  ) {}
  error(message: string, meta?: Meta): void {
    this.w.error(message, meta);
  }
  warn(message: string, meta?: Meta): void {
    if (this.enabled.has('warn')) this.w.warn(message, meta);
  }
  info(message: string, meta?: Meta): void {
    if (this.enabled.has('info')) this.w.info(message, meta);
  }
  debug(message: string, meta?: Meta): void {
    if (this.enabled.has('debug')) this.w.debug(message, meta);
  }
  child(meta: Meta): Logger {
    return new LevelGuard(this.w.child(meta), this.enabled);
  }
}

export function createLogger(level: LogLevel, base: Meta): Logger {
  const w = winston.createLogger({
    level,
    defaultMeta: base,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    // stderr keeps stdout free for tools that print results (bench, demo).
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
  const enabled = new Set(['error', 'warn', 'info', 'debug'].filter((l) => w.isLevelEnabled(l)));
  return new LevelGuard(w, enabled);
}
