import { expect } from 'chai';
import { createLogger } from '../../../telemetry/logger.ts';

/** Lines the logger wrote to stderr while `fn` ran, parsed. */
function captured(fn: () => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return lines
    .flatMap((l) => l.split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('logger', () => {
  it('prints the levels at and above its own, with the base and child fields, and drops the rest', () => {
    const log = createLogger('warn', { nodeId: 'n1' }).child({ actorId: 'a1' });
    const lines = captured(() => {
      log.debug('d', { x: 1 });
      log.info('i');
      log.warn('w', { x: 2 });
      log.error('e');
    });
    expect(lines.map((l) => [l['level'], l['message']])).to.deep.equal([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    expect(lines[0]).to.include({ nodeId: 'n1', actorId: 'a1', x: 2 });
  });

  it('prints debug lines when the level is debug', () => {
    const lines = captured(() => createLogger('debug', {}).debug('d', { y: 3 }));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 'debug', message: 'd', y: 3 });
  });
});
