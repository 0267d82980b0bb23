import { describe, expect, it } from 'vitest';
import { normalizeEmail } from '../../src/normalize/email.js';

describe('normalizeEmail', () => {
  it('lowercases and removes whitespace', () => {
    expect(normalizeEmail(' John_Smith@Gmail.com ')).toBe('john_smith@gmail.com');
  });
});
