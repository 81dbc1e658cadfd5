import { checkBars } from './colour-bars.js';

/** In the lab: a screenshot of the display through QEMU, checked for the camera's colour bars. */
export async function checkScreen(name: string): Promise<{ ok: boolean; png: string; problems: string[] }> {
  const { screendump } = await import('@dmabuf/lab/guest');
  const shot = await screendump(name);
  const problems = checkBars(shot.pixels, shot.width, shot.height, 8); // a CPU YUV→RGB conversion rounds
  return { ok: problems.length === 0, png: shot.hostPath, problems };
}
