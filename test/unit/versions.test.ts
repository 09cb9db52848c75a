import { describe, expect, it } from 'vitest';
import { readVersions } from '../../stack/tools.ts';

describe('readVersions (docker/build/versions.env)', () => {
  it('should read every pin the tools are keyed by, and nothing from its comments', () => {
    const v = readVersions();
    for (const key of ['NODE_VERSION', 'K6_VERSION', 'TEMPO_VERSION', 'OTELCOL_VERSION']) expect(v[key], key).toMatch(/^\S+$/);
    expect(Object.keys(v).every((k) => /^[A-Z0-9_]+$/.test(k)), Object.keys(v).join(', ')).toBe(true);
  });
});
