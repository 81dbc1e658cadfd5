const VENDORS = [
  'NONE',
  'INTEL',
  'AMD',
  'NVIDIA',
  'SAMSUNG',
  'QCOM',
  'VIVANTE',
  'BROADCOM',
  'ARM',
  'ALLWINNER',
  'AMLOGIC',
  'MTK',
  'APPLE',
];

/** A DRM format modifier as people read it: 'LINEAR', 'INVALID', or 'VENDOR:0x…' (drm_fourcc.h vendor byte). */
export function modifierName(m: bigint): string {
  if (m === 0n) return 'LINEAR';
  if (m === 0xffffffffffffffn) return 'INVALID';
  const vendor = Number(m >> 56n);
  const hex = `0x${m.toString(16).padStart(16, '0')}`;
  return `${VENDORS[vendor] ?? `vendor ${vendor}`}:${hex}`;
}
