import { CONVERT_FORMATS } from '@dmabuf/core';

/** How frames get from the camera's pixel format to one the display scans out. */
export interface FormatChoice {
  /** V4L2 pixel format asked of the camera. */
  camera: string;
  /** DRM format of the display buffers. */
  display: string;
  /** True when the CPU converts each frame (the camera's format is not one the display takes). */
  convert: boolean;
  /** Every format the display's planes take (what the choice was made against). */
  planeFormats: readonly string[];
}

/** Camera formats converted to XR24 (in native code) when no display plane takes them. */
export const CONVERTIBLE: readonly string[] = CONVERT_FORMATS;

/**
 * Pick the formats: a camera format whose DRM twin one of the display's planes
 * takes (XR24 first; `displayFormats` is every plane's formats), so the camera
 * writes the scanout buffers directly (zero-copy); else a camera format
 * converted to XR24 by the CPU. `drmOf` maps a V4L2 pixel format
 * to its DRM twin (undefined when there is none). Throws an Error naming both
 * sides' formats when nothing fits.
 */
export function chooseFormat(
  cameraFormats: readonly string[],
  displayFormats: readonly string[],
  drmOf: (v4l2: string) => string | undefined,
  requested?: string,
): FormatChoice {
  const direct = (f: string): string | undefined => {
    const drm = drmOf(f);
    return drm !== undefined && displayFormats.includes(drm) ? drm : undefined;
  };
  const offers = `the camera offers ${cameraFormats.join(', ') || 'nothing uncompressed'}, the display takes ${displayFormats.join(', ')}`;
  if (requested !== undefined) {
    if (!cameraFormats.includes(requested))
      throw new Error(`--format ${requested}: ${offers}; pick one the camera offers`);
    const drm = direct(requested);
    if (drm) return { camera: requested, display: drm, convert: false, planeFormats: displayFormats };
    if (CONVERTIBLE.includes(requested) && displayFormats.includes('XR24'))
      return { camera: requested, display: 'XR24', convert: true, planeFormats: displayFormats };
    throw new Error(
      `--format ${requested}: ${offers}; the display cannot show it and this example converts only ${CONVERTIBLE.join(', ')}`,
    );
  }
  for (const f of ['XR24', ...cameraFormats]) {
    if (!cameraFormats.includes(f)) continue;
    const drm = direct(f);
    if (drm) return { camera: f, display: drm, convert: false, planeFormats: displayFormats };
  }
  const convertible = cameraFormats.find((f) => CONVERTIBLE.includes(f));
  if (convertible && displayFormats.includes('XR24'))
    return { camera: convertible, display: 'XR24', convert: true, planeFormats: displayFormats };
  throw new Error(`no format fits: ${offers}, and this example converts only ${CONVERTIBLE.join(', ')}`);
}
