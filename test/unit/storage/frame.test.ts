// Unit tests of the append log's frame format: round trips, torn tails and corruption; pure, no files.
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeFrame, decodeLog, serializeRecord } from '../../../actors/storage/frame.ts';
import { LogCorruptError } from '../../../actors/storage/errors.ts';

/** A log image: the header frame with `snapshot`, then one frame per batch. */
function image(snapshot: readonly unknown[], batches: readonly (readonly unknown[])[], generation = 0) {
  const frames = [
    encodeFrame(
      0,
      snapshot.map((r) => serializeRecord(r)!),
      generation,
    ),
  ];
  batches.forEach((batch, i) =>
    frames.push(
      encodeFrame(
        i + 1,
        batch.map((r) => serializeRecord(r)!),
      ),
    ),
  );
  return { bytes: Buffer.concat(frames), frames };
}

const normalize = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;
const batchesArb = fc.array(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), {
  minLength: 1,
  maxLength: 5,
});

describe('frame', () => {
  it('decodes the records of every frame in order, header first', () => {
    const { bytes } = image([{ snap: 1 }], [[{ a: 1 }, { b: 2 }], ['c'], [null, 3]], 7);
    const decoded = decodeLog(bytes, 'f');
    expect(decoded.records).to.deep.equal([{ snap: 1 }, { a: 1 }, { b: 2 }, 'c', null, 3]);
    expect(decoded).to.include({ generation: 7, snapshotRecords: 1, frames: 4, tornBytes: 0 });
    expect(decoded.validLength).to.equal(bytes.length);
  });

  it('refuses values that have no JSON form', () => {
    expect(serializeRecord(undefined)).to.equal(undefined);
    expect(serializeRecord(() => 1)).to.equal(undefined);
    expect(serializeRecord({ ok: true })).to.equal('{"ok":true}');
  });

  it('round-trips any JSON records', () => {
    fc.assert(
      fc.property(batchesArb, (batches) => {
        const { bytes } = image([], batches);
        expect(decodeLog(bytes, 'f').records).to.deep.equal(normalize(batches.flat()));
      }),
    );
  });

  it('cut at any byte of the last frame, keeps exactly the complete frames before it', () => {
    fc.assert(
      fc.property(batchesArb, fc.nat(), (batches, cutSeed) => {
        const { bytes, frames } = image(['s'], batches);
        const last = frames[frames.length - 1]!;
        const lastStart = bytes.length - last.length;
        const cut = lastStart + (cutSeed % last.length); // strictly inside the last frame
        const decoded = decodeLog(bytes.subarray(0, cut), 'f');
        expect(decoded.records).to.deep.equal(normalize(['s', ...batches.slice(0, -1).flat()]));
        expect(decoded.validLength).to.equal(lastStart);
        expect(decoded.tornBytes).to.equal(cut - lastStart);
      }),
    );
  });

  it('treats a damaged but terminated last frame (zeros from a lost page) as a torn tail', () => {
    const { bytes } = image([], [[1], [2]]);
    const torn = Buffer.concat([bytes, Buffer.alloc(40), Buffer.from('\n'), Buffer.alloc(10)]);
    const decoded = decodeLog(torn, 'f');
    expect(decoded.records).to.deep.equal([1, 2]);
    expect(decoded.tornBytes).to.equal(51);
  });

  it('throws LogCorruptError when any byte of an earlier frame changes', () => {
    fc.assert(
      fc.property(batchesArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (batches, at, xor) => {
        const { bytes, frames } = image(['s'], batches);
        const last = frames[frames.length - 1]!;
        const damaged = Buffer.from(bytes);
        // Anywhere before the last frame except the newline that ends the one before it: losing that
        // byte merges the last acknowledged frame into the torn one, which no format without an
        // external count of acknowledged frames can tell from a torn write.
        const index = at % (bytes.length - last.length - 1);
        damaged[index] = damaged[index]! ^ xor;
        expect(() => decodeLog(damaged, 'f')).to.throw(LogCorruptError);
      }),
    );
  });

  it('throws LogCorruptError on a repeated frame even though its checksum is valid', () => {
    const header = encodeFrame(0, [], 0);
    const one = encodeFrame(1, ['1']);
    expect(() => decodeLog(Buffer.concat([header, one, one]), 'f'))
      .to.throw(LogCorruptError)
      .with.property('code', 'LOG_CORRUPT');
  });

  it('throws LogCorruptError when the header frame is missing', () => {
    expect(() => decodeLog(encodeFrame(1, ['1']), 'f')).to.throw(LogCorruptError);
    expect(() => decodeLog(Buffer.alloc(0), 'f')).to.throw(LogCorruptError);
  });
});
