import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TRIPLET = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
const PLUGIN_DIRS = [`/usr/lib/${TRIPLET}/gstreamer-1.0`, '/usr/lib/gstreamer-1.0'];
const PLUGINS = ['libgstcoreelements.so', 'libgstvideo4linux2.so'];

/**
 * An environment in which gst-launch-1.0 scans only the two plugins a
 * `v4l2src ! fakesink` pipeline needs, into a registry of its own: a first
 * scan of every installed plugin takes most of a minute under TCG.
 */
export function gstEnv(): NodeJS.ProcessEnv {
  const from = PLUGIN_DIRS.find((d) => PLUGINS.every((p) => existsSync(join(d, p))));
  if (!from) throw new Error(`GStreamer's ${PLUGINS.join(' and ')} are not in ${PLUGIN_DIRS.join(' or ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'dmabuf-cli-gst-')); // the guest's /tmp: writes stay in the guest
  mkdirSync(join(dir, 'plugins'));
  for (const p of PLUGINS) symlinkSync(join(from, p), join(dir, 'plugins', p));
  return {
    ...process.env,
    GST_PLUGIN_SYSTEM_PATH_1_0: join(dir, 'plugins'),
    GST_PLUGIN_PATH_1_0: '',
    GST_REGISTRY_1_0: join(dir, 'registry.bin'),
  };
}
