// Imports the real chat templates of @huggingface/jinja's own end-to-end test suite
// (huggingface/huggingface.js, packages/jinja/test/e2e.test.js), with the data each case renders,
// into eft-core/src/test/resources/chat-templates/hf-jinja-e2e.json. Usage, from this folder:
//
//   node import-e2e-suite.mjs /path/to/huggingface.js/packages/jinja/test/e2e.test.js <commit>
//   /usr/bin/python3 python-reference.py --suite     (adds jinja2's result for each case)
//
// The test file is read as text: its import lines are dropped and the two case tables are evaluated
// in a module of their own; nothing of it is kept but the templates, their data and their targets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [file, commit] = process.argv.slice(2);
if (!file || !commit) {
  console.error('usage: node import-e2e-suite.mjs <e2e.test.js> <commit>');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../eft-core/src/test/resources/chat-templates/hf-jinja-e2e.json');
const src = fs.readFileSync(file, 'utf8');
const end = src.indexOf('\nconst TEST_CUSTOM_FORMATTING');
const body = src.slice(0, end).split('\n').filter((l) => !l.startsWith('import ')).join('\n')
  + '\nexport { TEST_DEFAULT_TEMPLATES, TEST_CUSTOM_TEMPLATES };\n';
const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-')), 'cases.mjs');
fs.writeFileSync(tmp, body);
const m = await import(pathToFileURL(tmp).href);
const cases = [];
for (const [name, c] of Object.entries({ ...m.TEST_DEFAULT_TEMPLATES, ...m.TEST_CUSTOM_TEMPLATES })) {
  cases.push({ name, chat_template: c.chat_template, data: c.data, target: c.target });
}
fs.writeFileSync(out, JSON.stringify({
  about: `The real chat templates of @huggingface/jinja's end-to-end tests (huggingface/huggingface.js@${commit}, `
    + 'packages/jinja/test/e2e.test.js), each with the data it renders there and the JS target; "python" is '
    + "jinja2's result under transformers' settings (python-reference.py --suite) at 2025-07-10T12:00:00Z UTC, "
    + 'the expected output of the Java renderer.',
  cases,
}, null, 1) + '\n');
console.log(`${cases.length} cases -> ${out}`);
