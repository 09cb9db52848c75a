/** ml.feature_extractor: a cache in front of a real SQLite feature store. */
import { runMain } from '../service/definition.ts';
import { featureExtractorService } from './compose.ts';

await runMain(featureExtractorService);
