/**
 * Where the two model folders live (both git-ignored): the random-weight one the
 * generator writes, and the pretrained one `make model-pretrained` builds, which the
 * pipeline serves by default. Defined once, in a module with no other work, so that the
 * configuration, the generator, the pretrained build and the asset loader all agree.
 */
import { fileURLToPath } from 'node:url';

export const GENERATED_ASSETS_DIR = fileURLToPath(new URL('../assets/generated/', import.meta.url));
export const PRETRAINED_ASSETS_DIR = fileURLToPath(new URL('../assets/pretrained/', import.meta.url));
