// Loads a model folder's tokenizer.json with a standard Hugging Face loader (transformers.js) and checks
// that it encodes (with the <s> post-processor) and decodes exactly like tools/family/family.py.
//   npm install --ignore-scripts --prefix /tmp/family-work/hfjs @huggingface/transformers@3.0.2 \
//       @img/sharp-linux-x64@0.33.5 @img/sharp-libvips-linux-x64@1.0.4
//   cp tools/family/verify_tokenizer.mjs /tmp/family-work/hfjs/ && \
//   node /tmp/family-work/hfjs/verify_tokenizer.mjs models/mini/small-ft /tmp/family-work/tokcases.json
// (tokcases.json is written by export.py.)
import { PreTrainedTokenizer } from '@huggingface/transformers';
import fs from 'fs';
const dir = process.argv[2];
const tj = JSON.parse(fs.readFileSync(dir + '/tokenizer.json'));
const tok = new PreTrainedTokenizer(tj, {});
const cases = JSON.parse(fs.readFileSync(process.argv[3]));
let ok = 0;
for (const c of cases) {
  const ids = Array.from(tok.encode(c.text));
  const same = JSON.stringify(ids) === JSON.stringify(c.ids);
  const dec = tok.decode(c.ids, { skip_special_tokens: true });
  if (same && dec === c.text) ok++; else console.log('MISMATCH', JSON.stringify(c.text), ids, c.ids, JSON.stringify(dec));
}
console.log(`transformers.js tokenizer: ${ok}/${cases.length} encode+decode identical to tools/family/family.py`);
