import { describe, expect, it } from 'vitest';
import { choosePipe, NoDisplayError } from '../src/index.js';
import { snapshot } from './fixtures.js';

describe('connector → CRTC → primary plane', () => {
  it("takes the first connected connector with the CRTC it drives and that CRTC's primary plane", () => {
    const p = choosePipe(snapshot(), {}, 'dev');
    expect(p.connector.name).toBe('Virtual-1');
    expect(p.crtc.id).toBe(41);
    expect(p.plane?.id).toBe(32);
  });

  it("gives a connector without a CRTC a free one its encoder reaches, and that CRTC's primary plane", () => {
    const p = choosePipe(snapshot(), { connector: 'DP-1' }, 'dev');
    expect(p.crtc.id).toBe(40);
    expect(p.plane?.id).toBe(30);
  });

  it('refuses a disconnected or unknown connector, listing the connectors and their states', () => {
    expect(() => choosePipe(snapshot(), { connector: 'HDMI-A-1' }, 'DRM card1 (x)')).toThrow(NoDisplayError);
    expect(() => choosePipe(snapshot(), { connector: 'HDMI-A-1' }, 'DRM card1 (x)')).toThrow(
      /HDMI-A-1 is disconnected/,
    );
    expect(() => choosePipe(snapshot(), { connector: 'VGA-9' }, 'dev')).toThrow(
      /no connector named VGA-9 \(HDMI-A-1 disconnected, Virtual-1 connected, DP-1 connected\)/,
    );
    const none = snapshot();
    for (const c of none.connectors) c.connection = 'disconnected';
    expect(() => choosePipe(none, {}, 'DRM card1 (x)')).toThrow(/DRM card1 \(x\): no display connected/);
  });

  it('refuses when every reachable CRTC is busy', () => {
    const s = snapshot();
    s.encoders[0]!.crtcId = 40; // HDMI-A-1's encoder holds CRTC 40
    s.connectors[0]!.encoderId = 60;
    expect(() => choosePipe(s, { connector: 'DP-1' }, 'dev')).toThrow(/no CRTC can drive DP-1/);
  });
});
