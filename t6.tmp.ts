import { InferencePool } from './target-pipeline/inference/engine/pool.ts';
import { FEATURE_DIM } from './target-pipeline/model/spec.ts';
const pool = await InferencePool.create({ modelPath: '/tmp/assets1/model.onnx', workers: 2, providers: ['cpu'], featureDim: FEATURE_DIM });
function batch(B: number, S: number) {
  return { inputIds: new BigInt64Array(B * S).map((_, i) => BigInt(5 + (i * 7919) % 30000)), attentionMask: new BigInt64Array(B * S).fill(1n), features: new Float32Array(B * FEATURE_DIM).map((_, i) => (i % 7) - 3), batchSize: B, seqLen: S };
}
for (let k = 0; k < 5; k++) {
  const p = pool.run(batch(16, 256)).then((r) => console.log('completed?', r.workerId), (e) => console.log('rejected:', e.message));
  await new Promise((res) => setTimeout(res, 5 + k * 5));
  const ids = (pool as any).slots.map((s: any) => s.id);
  await pool.killWorker(ids[0]).catch((e) => console.log('kill failed', e.message));
  await p;
  await new Promise((res) => setTimeout(res, 800));
  console.log('size', pool.size, 'next run on', (await pool.run(batch(1, 8))).workerId);
}
await pool.close();
console.log('closed');
