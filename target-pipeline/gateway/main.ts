/** ml.api_gateway: POST /predict, the front door of the pipeline. */
import { runMain } from '../service/definition.ts';
import { gatewayService } from './compose.ts';

await runMain(gatewayService);
