import { expect, it } from 'vitest';
import { labSuite } from '../guest/suite.js';

// labSuite decides at collection time, from the environment the lab gives its guest.
const ran: string[] = [];

labSuite('a suite needing a driver this run lacks', { needs: ['vkms'] }, () => {
  it('is never defined', () => {
    throw new Error('labSuite defined a suite whose driver is missing');
  });
});

const saved = { lab: process.env.DMABUF_LAB, drivers: process.env.DMABUF_LAB_DRIVERS };
process.env.DMABUF_LAB = '1';
process.env.DMABUF_LAB_DRIVERS = 'vgem vim2m';
labSuite(
  'a suite whose drivers are loaded (the other argument order)',
  () => {
    it('is defined and runs', () => {
      ran.push('loaded');
    });
  },
  { needs: ['vim2m', 'udmabuf'] },
);
process.env.DMABUF_LAB = saved.lab ?? '';
if (saved.drivers === undefined) delete process.env.DMABUF_LAB_DRIVERS;
else process.env.DMABUF_LAB_DRIVERS = saved.drivers;

it('ran the suite whose drivers were there, and only that one', () => {
  expect(ran).toEqual(['loaded']);
});

it('refuses a suite without a body', () => {
  expect(() => labSuite('no body', { needs: [] })).toThrow(TypeError);
});
