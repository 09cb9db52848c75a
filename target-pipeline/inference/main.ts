/** ml.inference: batch assembly, the device semaphore, and the ONNX model on worker threads. */
import { runMain } from '../service/definition.ts';
import { inferenceService } from './compose.ts';

await runMain(inferenceService);
