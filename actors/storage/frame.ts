// Byte format of the append log: one checksummed frame per group commit; pure encode/decode, no file I/O.
import { crc32 } from 'node:zlib';
import { LogCorruptError } from './errors.ts';

/*
 * A log file is a sequence of lines, one frame per line:
 *
 *   <crc32 of payload, 8 lowercase hex> <space> <payload JSON> \n
 *   payload = {"g":<generation>,"s":0,"r":[...snapshot records]}   (first frame, the header)
 *           | {"s":<seq>,"r":[...records]}                          (every later frame)
 *
 * Why one frame per write: the writer issues the next write only after the previous one was
 * synced (O_DSYNC or fdatasync), so a crash can damage only the last frame. A damaged frame with a valid frame
 * after it therefore cannot be a torn write; it means acknowledged data changed (the disk lied).
 * JSON.stringify never emits a raw newline, so '\n' is an unambiguous terminator, and the
 * sequence number catches a frame that is lost or repeated while each frame's own CRC is intact.
 */

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CRC_HEX_LENGTH = 8;
const HEADER_LENGTH = CRC_HEX_LENGTH + 1;

/**
 * Serialize one record now, at append time, so a caller mutating the object later cannot change
 * what is written, and a bad record fails its own append instead of the whole group commit.
 * Returns undefined when the value has no JSON form.
 */
export function serializeRecord(record: unknown): string | undefined {
  const json: unknown = JSON.stringify(record);
  return typeof json === 'string' ? json : undefined;
}

/** Build one frame line from already-serialized records. `generation` marks the header frame (seq 0). */
export function encodeFrame(seq: number, recordJsons: readonly string[], generation?: number): Buffer {
  const head = generation === undefined ? `{"s":${seq},"r":[` : `{"g":${generation},"s":${seq},"r":[`;
  const payload = Buffer.from(`${head}${recordJsons.join(',')}]}`, 'utf8');
  const crc = crc32(payload).toString(16).padStart(CRC_HEX_LENGTH, '0');
  const line = Buffer.allocUnsafe(HEADER_LENGTH + payload.length + 1);
  line.write(crc, 0, 'latin1');
  line[CRC_HEX_LENGTH] = SPACE;
  payload.copy(line, HEADER_LENGTH);
  line[line.length - 1] = NEWLINE;
  return line;
}

export interface DecodedLog {
  readonly generation: number;
  readonly records: unknown[];
  /** How many of `records` came from the header frame (the snapshot of the last compaction). */
  readonly snapshotRecords: number;
  /** Frames read, header included; the next frame to append gets this sequence number. */
  readonly frames: number;
  /** Bytes that belong to valid frames; everything after is a torn tail to truncate. */
  readonly validLength: number;
  readonly tornBytes: number;
}

/** Payload bytes of a line if its CRC matches, else undefined (torn or damaged). */
function checkedPayload(line: Buffer): Buffer | undefined {
  if (line.length < HEADER_LENGTH + 2 || line[CRC_HEX_LENGTH] !== SPACE) return undefined;
  const hex = line.toString('latin1', 0, CRC_HEX_LENGTH);
  if (!/^[0-9a-f]{8}$/.test(hex)) return undefined;
  const payload = line.subarray(HEADER_LENGTH);
  return crc32(payload) === Number.parseInt(hex, 16) ? payload : undefined;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Decode a whole log file. Tolerates damage only after the last valid frame (a torn write);
 * throws LogCorruptError for anything else, including a file without a valid header, because
 * files are only ever installed by rename after their header was synced.
 */
export function decodeLog(bytes: Buffer, file: string): DecodedLog {
  const records: unknown[] = [];
  let generation = -1;
  let snapshotRecords = 0;
  let frames = 0;
  let validLength = 0;
  let firstDamaged = -1;
  let pos = 0;
  while (pos < bytes.length) {
    const end = bytes.indexOf(NEWLINE, pos);
    if (end === -1) break; // unterminated: the write never completed, so it was never acknowledged
    const payload = checkedPayload(bytes.subarray(pos, end));
    if (payload === undefined) {
      if (firstDamaged === -1) firstDamaged = pos;
    } else {
      if (firstDamaged !== -1) {
        throw new LogCorruptError(
          file,
          firstDamaged,
          `damaged frame is followed by a valid frame at byte ${pos}`,
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload.toString('utf8'));
      } catch (cause) {
        throw new LogCorruptError(file, pos, 'frame has a valid checksum but is not JSON', { cause });
      }
      const frame = parsed as { g?: unknown; s?: unknown; r?: unknown } | null;
      if (typeof frame !== 'object' || frame === null || !Array.isArray(frame.r) || frame.s !== frames) {
        throw new LogCorruptError(file, pos, `expected frame ${frames}, found ${JSON.stringify(frame?.s)}`);
      }
      if (frames === 0) {
        if (!isNonNegativeInteger(frame.g))
          throw new LogCorruptError(file, pos, 'header frame has no generation');
        generation = frame.g;
        snapshotRecords = frame.r.length;
      }
      for (const record of frame.r as unknown[]) records.push(record);
      frames += 1;
      validLength = end + 1;
    }
    pos = end + 1;
  }
  if (frames === 0) throw new LogCorruptError(file, 0, 'no valid header frame');
  return { generation, records, snapshotRecords, frames, validLength, tornBytes: bytes.length - validLength };
}
