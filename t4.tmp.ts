import { InferencePool } from './target-pipeline/inference/engine/pool.ts';
import { FEATURE_DIM } from './target-pipeline/model/spec.ts';
const workers = Number(process.argv[2] ?? 1);
const pool = await InferencePool.create({ modelPath: '/tmp/assets1/model.onnx', workers, providers: ['cuda', 'webgpu', 'cpu'], featureDim: FEATURE_DIM });
console.log('provider', pool.provider, pool.deviceId, 'size', pool.size, 'load', pool.modelLoadMs.toFixed(0), 'ms');
function batch(B: number, S: number) {
  return { inputIds: new BigInt64Array(B * S).map((_, i) => BigInt(5 + (i * 7919) % 30000)), attentionMask: new BigInt64Array(B * S).fill(1n), features: new Float32Array(B * FEATURE_DIM).map((_, i) => (i % 7) - 3), batchSize: B, seqLen: S };
}
for (const [B, S] of [[1, 16], [8, 16], [1, 128], [8, 128]] as const) {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) times.push((await pool.run(batch(B, S))).forwardPassMs);
  times.sort((a, b) => a - b);
  console.log(`B=${B} S=${S} median ${times[3]!.toFixed(2)} ms min ${times[0]!.toFixed(2)}`);
}
const r = await Promise.all([pool.run(batch(4, 64)), pool.run(batch(4, 64)), pool.run(batch(4, 64))]);
console.log(r.map((x) => x.workerId), Array.from(r[0]!.logits.slice(0, 8)).map((x) => x.toFixed(3)));
const p = pool.run(batch(8, 256));
await pool.killWorker(0);
await p.catch((e) => console.log('rejected:', e.message));
await new Promise((res) => setTimeout(res, 1500));
console.log('size after replace', pool.size, (await pool.run(batch(1, 8))).workerId);
await pool.close();
