/**
 * manifest.json: what the pipeline needs to know about a model folder without
 * opening the model. The generator writes one; a user bringing their own ONNX model
 * and tokenizer writes one by hand with at least the required fields.
 */
import { z } from 'zod';
import { LABELS } from './output.ts';

export const MANIFEST_FILE = 'manifest.json';
export const DEFAULT_MODEL_FILE = 'model.onnx';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

const FileRecord = z.object({ sha256: z.string(), bytes: z.number().int().nonnegative() });

export const ManifestSchema = z.object({
  /** Reported as ml.model.version; the generator uses gen-<sha256 prefix of model.onnx>. */
  modelVersion: z.string().min(1),
  /** Logit order of the classification head; every label must be one the output schema knows. */
  labels: z.array(z.enum(LABELS)).min(1),
  featureDim: z.number().int().positive(),
  maxSeqLen: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  /** Model file, relative to the manifest's folder. */
  model: z.string().min(1).default(DEFAULT_MODEL_FILE),
  /** Folder holding tokenizer.json and tokenizer_config.json, relative to the manifest's folder. */
  tokenizerDir: z.string().min(1).default('.'),
  files: z.record(z.string(), FileRecord).optional(),
  /** Present only in generated folders: what produced them, to decide whether to rebuild. */
  generator: z.object({
    version: z.string(),
    seed: z.number().int(),
    architecture: z.record(z.string(), z.number()),
  }).optional(),
});

export type AssetsManifest = z.infer<typeof ManifestSchema>;
