import { loadTokenizer, type LoadedTokenizer } from '../model/tokenizer.ts';

/** Where the service gets its tokenizer: the live instance, rebuilt on demand. */
export interface TokenizerSource {
  /** Rebuilds since start (the first load included). */
  readonly builds: number;
  get(onBuild?: (build: () => Promise<LoadedTokenizer>) => Promise<LoadedTokenizer>): Promise<{ loaded: LoadedTokenizer; rebuilt: boolean }>;
  /** Drops the instance; true when there was one to drop. */
  discard(): boolean;
}

/**
 * Holds the live tokenizer instance. After discard() the next caller really rebuilds
 * it from its files (read, parse, construct); callers arriving during a rebuild share
 * that one rebuild, the way a lazily initialised component behaves in a server.
 */
export class TokenizerHolder implements TokenizerSource {
  private current: LoadedTokenizer | undefined;
  private loading: Promise<LoadedTokenizer> | undefined;
  private readonly dir: string;
  /** Rebuilds since start (the first load included). */
  builds = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The tokenizer, and whether this call is the one that (re)built it. */
  async get(onBuild?: (build: () => Promise<LoadedTokenizer>) => Promise<LoadedTokenizer>): Promise<{ loaded: LoadedTokenizer; rebuilt: boolean }> {
    if (this.current) return { loaded: this.current, rebuilt: false };
    if (this.loading) return { loaded: await this.loading, rebuilt: false };
    const build = () => loadTokenizer(this.dir);
    this.loading = (onBuild ? onBuild(build) : build()).then((t) => {
      this.current = t;
      this.builds++;
      return t;
    }).finally(() => {
      this.loading = undefined;
    });
    return { loaded: await this.loading, rebuilt: true };
  }

  /** Drops the instance; true when there was one to drop. */
  discard(): boolean {
    const had = this.current !== undefined;
    this.current = undefined;
    return had;
  }
}
