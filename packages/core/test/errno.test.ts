import { describe, expect, it } from 'vitest';
import { errnoName, errnoValue, SystemError } from '../src/index.js';

describe('errno names', () => {
  it('names the Linux errnos Node does not list (udmabuf returns EBADFD)', () => {
    expect(errnoName(77)).toBe('EBADFD');
    expect(errnoValue('EBADFD')).toBe(77);
    expect(new SystemError('x', 77, 'ioctl(UDMABUF_CREATE)').code).toBe('EBADFD');
    expect(errnoName(22)).toBe('EINVAL');
    expect(errnoName(4000)).toBe('E4000');
  });
});
