import { InvalidArgumentError as CoreInvalid } from '@dmabuf/core';
import { refusalOf } from '@dmabuf/core/testing';
import { describe, expect, it } from 'vitest';
import { chooseMode, DrmError, describeMode, parseModeRequest, refreshOf } from '../src/index.js';
import { mode } from './fixtures.js';

const modes = [mode(1920, 1080, 60), mode(1280, 800, 75, true), mode(1280, 800, 60), mode(640, 480, 60)];

describe('mode choice', () => {
  it('takes the preferred mode, else the first', () => {
    expect(describeMode(chooseMode(modes, undefined, 'dev', 'Virtual-1'))).toBe('1280x800@75');
    expect(describeMode(chooseMode([mode(800, 600, 60), mode(640, 480, 60)], undefined, 'dev', 'c'))).toBe(
      '800x600@60',
    );
  });

  it('takes the mode asked for, by string or object, preferring preferred then higher refresh', () => {
    expect(describeMode(chooseMode(modes, '1280x800', 'dev', 'c'))).toBe('1280x800@75');
    expect(describeMode(chooseMode(modes, '1280x800@60', 'dev', 'c'))).toBe('1280x800@60');
    expect(describeMode(chooseMode(modes, { width: 640, height: 480 }, 'dev', 'c'))).toBe('640x480@60');
  });

  it('says which modes exist when the one asked for does not', () => {
    const e = refusalOf(() => chooseMode(modes, '800x600', 'DRM card1 (virtio_gpu)', 'Virtual-1'), DrmError);
    expect(e.message).toMatch(
      /card1.*Virtual-1 has no mode 800x600.*1920x1080@60, 1280x800@75, 1280x800@60, 640x480@60/,
    );
    expect(() => chooseMode([], undefined, 'dev', 'c')).toThrow(/lists no modes/);
  });

  it('parses requests and refuses bad ones with a typed error', () => {
    expect(parseModeRequest('1280x800@59.9')).toEqual({ width: 1280, height: 800, refresh: 59.9 });
    expect(() => parseModeRequest('big')).toThrow(CoreInvalid);
    expect(() => parseModeRequest({ width: 0, height: 1 })).toThrow(/positive integers/);
    expect(() => parseModeRequest({ width: 10, height: 10, refresh: -1 })).toThrow(/Hz/);
  });

  it('computes the refresh from the timings when vrefresh is 0', () => {
    const m = { ...mode(1280, 800, 60), vrefresh: 0 };
    expect(refreshOf(m)).toBe(60);
  });
});
