/**
 * Brings the pipeline to the steady state the scenario starts from: every entity of
 * the load's pool in the feature cache, the model warm on every worker. These requests
 * happen before the ledger cursor, so they are not part of the verdict.
 */
import { entityIdFor } from '../../target-pipeline/feature-extractor/entity-id.ts';

export const PRIME_IDS_PER_REQUEST = 32;
export const PRIME_WARM_REQUESTS = 8;

export async function primePipeline(gatewayUrl: string, entities: number, modelName: string): Promise<void> {
  const ids = Array.from({ length: entities }, (_, i) => entityIdFor(i));
  const post = async (featureIds: string[]): Promise<void> => {
    const res = await fetch(`${gatewayUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: modelName, input: 'warm up the pipeline before the scenario', feature_ids: featureIds, client_id: 'harness-prime' }),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`priming the pipeline failed: POST /predict answered ${res.status}: ${body.slice(0, 300)}`);
  };
  for (let i = 0; i < ids.length; i += PRIME_IDS_PER_REQUEST) await post(ids.slice(i, i + PRIME_IDS_PER_REQUEST));
  await Promise.all(Array.from({ length: PRIME_WARM_REQUESTS }, () => post([ids[0]!])));
}
