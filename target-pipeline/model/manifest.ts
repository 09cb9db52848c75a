/**
 * manifest.json: what the pipeline needs to know about a model folder without
 * opening the model. The generator and the pretrained build write one; a user
 * bringing their own ONNX model and tokenizer writes one by hand with at least the
 * required fields.
 */
import { z } from 'zod';
import { duplicateLabel } from './output.ts';

export const MANIFEST_FILE = 'manifest.json';
export const DEFAULT_MODEL_FILE = 'model.onnx';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
/** A Hugging Face checkpoint folder's model config and weights (pretrained/build.ts reads them). */
export const CHECKPOINT_CONFIG_FILE = 'config.json';
export const CHECKPOINT_WEIGHTS_FILE = 'model.safetensors';

const FileRecord = z.object({ sha256: z.string(), bytes: z.number().int().nonnegative() });

export const ManifestSchema = z.object({
  /** Reported as ml.model.version; the generator uses gen-<sha256 prefix of model.onnx>. */
  modelVersion: z.string().min(1),
  /**
   * Logit order of the classification head, one label per logit: any label set. The
   * output schema the post-processor validates against is built from it.
   */
  labels: z.array(z.string().min(1)).min(1).superRefine((labels, ctx) => {
    const twice = duplicateLabel(labels);
    if (twice !== undefined) ctx.addIssue({ code: 'custom', message: `label ${twice} appears twice; each label names one logit` });
  }),
  /**
   * Width of the model's `features` input. 0 (or absent) when the model has none: the
   * request's feature row is then accepted and not fed to the model.
   */
  featureDim: z.number().int().nonnegative().default(0),
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
