// `npm run eval`: scores the classifier, the must-not-answer filters, the needs-a-person check and the built-in responder on the labelled sets (eval/README.md).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport } from './eval/core/render.ts';
import { score, type EvalResult, type Report } from './eval/core/score.ts';
import { businessRun, evaluate } from './eval/pipeline.ts';
import { EVAL_ROOT, loadBusinesses, loadSet, SET_NAMES, type SetName } from './eval/labelled-set.ts';

const USAGE = 'usage: npm run eval -- [--set tune|heldout|heldout-b|old|all] [--json] [--check] [--worst N]';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'all' },
    json: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    worst: { type: 'string', default: '25' },
  },
});
const wanted = values.set === 'all' ? [...SET_NAMES] : [values.set as SetName];
if (!wanted.every((s) => (SET_NAMES as readonly string[]).includes(s)) || !/^\d+$/.test(values.worst)) {
  console.error(USAGE);
  process.exit(2);
}

const businesses = await loadBusinesses();
// 'Acme Cloud' was the brand once hard-coded in the responder: a reply naming it is signed by another company.
const names = [...[...businesses.values()].map((b) => b.config.company_name), 'Acme Cloud'];
const runs = new Map([...businesses].map(([name, b]) => [name, businessRun(b, names)]));

let missed = false;
for (const set of wanted) {
  const mails = await loadSet(set);
  const results: EvalResult[] = [];
  for (const mail of mails) {
    const run = runs.get(mail.business);
    if (!run) throw new Error(`${set} ${mail.id}: unknown business "${mail.business}"`);
    results.push(await evaluate(mail, run));
  }
  const report: Report = score(results, Number(values.worst));
  console.log(renderReport(set, report));
  missed ||= report.targets.some((t) => !t.met);
  if (values.json) {
    const dir = join(EVAL_ROOT, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${set}.json`), `${JSON.stringify({ set, report, results }, null, 2)}\n`);
  }
}
process.exitCode = values.check && missed ? 1 : 0;
