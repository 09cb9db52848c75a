/**
 * The seams where the inference service's faults act. The service calls these hooks
 * on every request; with no fault enabled they do nothing. Which faults fired on a
 * request is collected in `fired`, which travels out of band (a response header to the
 * gateway's ledger), never into a span.
 */
export interface InferenceFaultHooks {
  /** Before tokenizing: may discard the tokenizer so that this request rebuilds it. */
  beforeTokenize?(fired: Set<string>): void;
  /** After the device slot was granted: records starvation if this batch had to queue. */
  afterPermit?(queued: boolean, fired: Set<string>): void;
  /** After decoding: may corrupt the serialized output. */
  corruptOutput?(text: string, fired: Set<string>): string;
}

export { FAULTS_HEADER } from '../../faults/wire.ts';
