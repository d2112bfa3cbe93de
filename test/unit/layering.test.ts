// The tree's layering, checked on every import: each folder's rule, read from its path, holds for every file in it.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/**
 * Layers, lowest first. A file may import from a lower layer or from its own folder (subsystem); never from a
 * higher layer, and never from another subsystem of its own layer.
 */
const layers: { folder: string; layer: number }[] = [
  { folder: 'schemas', layer: 0 },
  { folder: 'telemetry', layer: 1 },
  { folder: 'bus', layer: 2 },
  { folder: 'actors/runtime', layer: 3 },
  { folder: 'actors/storage', layer: 3 },
  { folder: 'actors/consensus', layer: 4 },
  { folder: 'actors/conversation', layer: 4 },
  { folder: 'actors/processing', layer: 5 },
  { folder: 'actors/answering', layer: 5 },
  { folder: 'gateway', layer: 5 },
  { folder: 'actors/node', layer: 6 },
  // The ops tool reads the records through their stores and speaks the actors' contracts; nothing imports it.
  { folder: 'ops', layer: 7 },
];

/** Pure folders: decisions only. They import other pure folders and schemas, nothing that does I/O. */
const isPure = (file: string) => /(^|\/)core\//.test(file) || file.startsWith('actors/processing/email/');
/** The gateway's HTTP app is built apart from the bus: only its server (the actor) touches NATS. */
const gatewayApp = (file: string) => file.startsWith('gateway/') && file !== 'gateway/server.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function folderOf(file: string) {
  const f = layers.find((l) => file === l.folder || file.startsWith(`${l.folder}/`));
  if (!f) throw new Error(`${file} is in no layer: add its folder to the table`);
  return f;
}

function importsOf(file: string): { spec: string; target?: string }[] {
  const src = readFileSync(join(root, file), 'utf8');
  const out: { spec: string; target?: string }[] = [];
  for (const m of src.matchAll(
    /(?:^|\n)\s*(?:import|export)\b(?:[^'";]*?\bfrom)?\s*'([^']+)'|import\('([^']+)'\)/g,
  )) {
    const spec = (m[1] ?? m[2])!;
    out.push(spec.startsWith('.') ? { spec, target: normalize(join(dirname(file), spec)) } : { spec });
  }
  return out;
}

/** Every broken rule in the tree, one line each. */
function violations(): string[] {
  const bad: string[] = [];
  const files = ['schemas', 'telemetry', 'bus', 'actors', 'gateway', 'ops'].flatMap(sourceFiles);
  for (const file of files) {
    const from = folderOf(file);
    for (const { spec, target } of importsOf(file)) {
      if (target === undefined) {
        if (isPure(file) && !/^(ajv|ajv-formats|json-schema-to-ts)$/.test(spec))
          bad.push(`${file}: a pure core imports '${spec}'`);
        continue;
      }
      const to = folderOf(target);
      if (to.layer > from.layer) bad.push(`${file}: imports ${target}, a higher layer`);
      if (to.layer === from.layer && to.folder !== from.folder)
        bad.push(`${file}: imports ${target}, another subsystem of its layer`);
      if (isPure(file) && !isPure(target) && !target.startsWith('schemas/'))
        bad.push(`${file}: a pure core imports ${target}, which is not pure`);
      if (gatewayApp(file) && !target.startsWith('gateway/') && !target.startsWith('schemas/'))
        bad.push(`${file}: the gateway's HTTP app imports ${target}`);
    }
  }
  return bad;
}

describe('layering', function () {
  it('every import runs down the layers, within its subsystem, and pure cores import nothing that does I/O', function () {
    expect(violations()).to.deep.equal([]);
  });

  it('knows every source folder, so a new one cannot slip past the rules', function () {
    const files = ['schemas', 'telemetry', 'bus', 'actors', 'gateway', 'ops'].flatMap(sourceFiles);
    expect(files.length).to.be.greaterThan(50);
    for (const f of files) expect(() => folderOf(f), f).to.not.throw();
    expect(relative(root, join(root, 'actors/consensus/core/acceptor.ts'))).to.satisfy(isPure);
  });
});
