// winston JSON logs: one line per event with node id, actor id and message id; it must never log message bodies.
import winston from 'winston';
import type { LogLevel } from './config.ts';

export type Meta = Record<string, unknown>;
export interface Logger {
  error(message: string, meta?: Meta): void;
  warn(message: string, meta?: Meta): void;
  info(message: string, meta?: Meta): void;
  debug(message: string, meta?: Meta): void;
  child(meta: Meta): Logger;
}

export function createLogger(level: LogLevel, base: Meta): Logger {
  return winston.createLogger({
    level,
    defaultMeta: base,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    // stderr keeps stdout free for tools that print results (bench, demo).
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
