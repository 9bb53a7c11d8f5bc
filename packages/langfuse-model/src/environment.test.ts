import { describe, expect, it } from 'vitest';
import { isStoredUnchanged, normalizeEnvironment } from './environment.js';

describe('normalizeEnvironment', () => {
  it.each([
    ['production', 'production'],
    ['Production', 'production'],
    ['QA Env', 'default'],
    ['qa_env-2', 'qa_env-2'],
    ['langfuse-prod', 'prod'],
    ['langfuse', 'default'],
    ['a'.repeat(45), 'a'.repeat(40)],
    ['', 'default'],
    [undefined, 'default'],
    [42, 'default'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeEnvironment(input)).toBe(expected);
  });

  it('isStoredUnchanged is true only for names Langfuse keeps as given', () => {
    expect(isStoredUnchanged('staging')).toBe(true);
    expect(isStoredUnchanged('Staging')).toBe(false);
    expect(isStoredUnchanged('a'.repeat(41))).toBe(false);
    expect(isStoredUnchanged('langfuse-x')).toBe(false);
  });
});
