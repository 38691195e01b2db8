// The cold-start reference: the same greedy generation as `eft4j generate` in transformers.js (Node, CPU).
// Usage: node generate.mjs MODEL_DIR PROMPT MAX_NEW_TOKENS   -> prints the new token ids, then the text
import { AutoTokenizer, AutoModelForCausalLM, env } from '@huggingface/transformers';
import path from 'node:path';

const [dir, prompt, maxNew] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(dir));
const name = path.basename(dir);
const tok = await AutoTokenizer.from_pretrained(name);
const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32', device: 'cpu' });
const inputs = tok(prompt);
const out = await model.generate({ ...inputs, max_new_tokens: Number(maxNew), do_sample: false });
const n = inputs.input_ids.dims[1];
const ids = Array.from(out.data.slice(n), Number);
console.log('ids ' + ids.join(' '));
console.log(tok.decode(ids, { skip_special_tokens: true }));
