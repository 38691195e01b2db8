// Runs each exported model.onnx in real ONNX Runtime (npm onnxruntime-node, CPU) on the cases that
// export.py wrote: a left-padded batch prefill with EMPTY past tensors, then one cached decode step.
// Expected logits come from unpadded, uncached torch runs.
//   npm install --ignore-scripts --prefix /tmp/family-work/ortnode onnxruntime-node@1.20.1
//   NODE_PATH=/tmp/family-work/ortnode/node_modules node tools/family/verify_ort.js models/mini /tmp/family-work/verify
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');

function tensor(j) {
  const data = j.dtype === 'int64' ? BigInt64Array.from(j.data.map(BigInt)) : Float32Array.from(j.data);
  return new ort.Tensor(j.dtype, data, j.shape);
}

function maxDiffLastRow(logits, expected, b) {
  const [B, S, V] = logits.dims;
  let m = 0;
  for (let i = 0; i < b; i++) {
    for (let v = 0; v < V; v++) {
      const got = logits.data[(i * S + S - 1) * V + v];
      m = Math.max(m, Math.abs(got - expected.data[i * V + v]));
    }
  }
  return m;
}

async function main() {
  const [modelsDir, casesDir] = process.argv.slice(2);
  let ok = true;
  for (const f of fs.readdirSync(casesDir).filter(f => f.endsWith('.json')).sort()) {
    const name = f.replace('.json', '');
    const c = JSON.parse(fs.readFileSync(path.join(casesDir, f)));
    const sess = await ort.InferenceSession.create(path.join(modelsDir, name, 'model.onnx'));
    const feeds = {};
    for (const k of ['input_ids', 'attention_mask', 'position_ids']) feeds[k] = tensor(c.prefill[k]);
    const B = c.prefill.input_ids.shape[0];
    for (let i = 0; i < c.layers; i++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [B, c.kv_heads, 0, c.head_dim]);
      }
    }
    const r1 = await sess.run(feeds);
    const d1 = maxDiffLastRow(r1.logits, c.expected_prefill_last, B);
    // one decode step with the cache
    const L = c.prefill.attention_mask.shape[1];
    const am = c.prefill.attention_mask.data, pos = c.prefill.position_ids.data;
    const am2 = [], pos2 = [];
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < L; j++) am2.push(am[b * L + j]);
      am2.push(1);
      pos2.push(pos[b * L + L - 1] + 1);
    }
    const feeds2 = {
      input_ids: tensor({dtype: 'int64', shape: [B, 1], data: c.next_ids}),
      attention_mask: tensor({dtype: 'int64', shape: [B, L + 1], data: am2}),
      position_ids: tensor({dtype: 'int64', shape: [B, 1], data: pos2}),
    };
    for (let i = 0; i < c.layers; i++) {
      feeds2[`past_key_values.${i}.key`] = r1[`present.${i}.key`];
      feeds2[`past_key_values.${i}.value`] = r1[`present.${i}.value`];
    }
    const r2 = await sess.run(feeds2);
    const d2 = maxDiffLastRow(r2.logits, c.expected_step_last, B);
    const pass = d1 < 1e-3 && d2 < 1e-3 && r2['present.0.key'].dims[2] === L + 1;
    ok = ok && pass;
    console.log(`${name}: prefill(left-padded, empty past) max|diff|=${d1.toExponential(2)} ` +
      `cached step max|diff|=${d2.toExponential(2)} present len=${r2['present.0.key'].dims[2]} ${pass ? 'OK' : 'FAIL'}`);
  }
  if (!ok) process.exit(1);
}
main().catch(e => { console.error(e); process.exit(2); });
