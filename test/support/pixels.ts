/**
 * Reading screenshots: how many pixels of a PNG are (close to) a given colour, so a test can
 * tell that a chart really drew its series.
 */
import { PNG } from 'pngjs';

/** `#rrggbb` as [r, g, b]. */
export function rgbOf(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** Pixels of `png` whose channels are each within `tolerance` of `hex` (opaque pixels only). */
export function countColour(png: Buffer, hex: string, tolerance = 10): number {
  const { data, width, height } = PNG.sync.read(png);
  const [r, g, b] = rgbOf(hex);
  let n = 0;
  for (let i = 0; i < width * height * 4; i += 4) {
    if (data[i + 3]! < 250) continue;
    if (Math.abs(data[i]! - r) <= tolerance && Math.abs(data[i + 1]! - g) <= tolerance && Math.abs(data[i + 2]! - b) <= tolerance) n++;
  }
  return n;
}

/** Width and height of a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const { width, height } = PNG.sync.read(png);
  return { width, height };
}
