/** ml.post_processor: validates model output, repairs or re-invokes the model. */
import { runMain } from '../service/definition.ts';
import { postProcessorService } from './compose.ts';

await runMain(postProcessorService);
