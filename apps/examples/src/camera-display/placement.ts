/** Where the demo runs, and the line that says so (stdout) or why it will not (stderr). */
export type Placement =
  | { where: 'here'; say: string }
  | { where: 'lab'; say: string }
  | { where: 'refuse'; error: string }
  | { where: 'check'; say: string; exitCode: 0 | 3 };

const LAB = 'the virtual lab (vivid camera → virtio-gpu display)';

/**
 * The real camera and display when both are here; else the virtual lab,
 * announced with what is missing. `--lab` forces the lab, `--no-lab` refuses
 * it (exit 1, naming what is missing), `--check-devices` only reports.
 */
export function placeDemo(
  options: { lab: boolean; noLab: boolean; checkDevices: boolean },
  missing: readonly string[],
): Placement {
  const lacks = missing.join('; ');
  if (options.checkDevices) {
    return missing.length
      ? { where: 'check', say: `camera-to-display: this machine lacks: ${lacks}`, exitCode: 3 }
      : { where: 'check', say: 'camera-to-display: a camera and a display are here', exitCode: 0 };
  }
  if (options.lab) return { where: 'lab', say: `camera-to-display: --lab: running in ${LAB}` };
  if (missing.length === 0)
    return { where: 'here', say: "camera-to-display: using this machine's camera and display" };
  if (options.noLab) {
    return {
      where: 'refuse',
      error:
        `camera-to-display: ${lacks}. --no-lab: not running in the virtual lab. ` +
        'Connect a V4L2 camera and a display (or name them with --camera and --card), or leave out --no-lab to run in the lab.',
    };
  }
  return { where: 'lab', say: `camera-to-display: ${lacks}: running in ${LAB} instead` };
}
