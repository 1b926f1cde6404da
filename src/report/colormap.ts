// Colour maps for correlation heatmaps: piecewise-linear in RGB between control points, over the
// fixed domain [-1, 1] so that every matrix in a report (and in every report) reads the same way.
// The same control points go to Vega-Lite (`interpolate: 'rgb'`) for colour bars in exported
// figures, so the bar and the image agree exactly.

export type ColorMapName = 'inferno' | 'gray' | 'rdbu';
export const COLOR_MAPS: ColorMapName[] = ['inferno', 'gray', 'rdbu'];

export interface ColorMap {
  name: ColorMapName;
  description: string;
  /** Control points, evenly spaced from -1 to 1, as #rrggbb. */
  stops: string[];
  /** Colour of missing entries (dead units, whose correlation is undefined). */
  missing: string;
}

const MAPS: Record<ColorMapName, ColorMap> = {
  // matplotlib's inferno (as d3/Vega ship it), sampled at 17 points: dark at -1, bright at +1, so a
  // matched pair is a bright cell and the permuted between-net matrix shows a bright diagonal.
  inferno: {
    name: 'inferno',
    description: 'inferno: black (-1) through red (0) to pale yellow (+1)',
    stops: ['#000004', '#0b0724', '#210c4a', '#3c0a65', '#57106d', '#70196e', '#89226a', '#a32c61', '#bb3755', '#d14545', '#e45933', '#f1721e', '#fa8d0b', '#fcab10', '#f9ca33', '#f2e865', '#fcffa4'],
    missing: '#bdbdbd',
  },
  // The paper's Fig. 1: black at the minimum, white at the maximum (here fixed at -1 and +1).
  gray: {
    name: 'gray',
    description: 'gray: black (-1) to white (+1), as in the paper',
    stops: ['#000000', '#ffffff'],
    missing: '#6fa8dc',
  },
  // ColorBrewer RdBu reversed: blue (-1), near-white (0), red (+1).
  rdbu: {
    name: 'rdbu',
    description: 'rdbu: blue (-1), white (0), red (+1)',
    stops: ['#134b85', '#2567a2', '#3b83b9', '#579dc8', '#7db6d6', '#a4cde3', '#c5deec', '#dee9ef', '#f2efee', '#f8e3d7', '#f9d0bb', '#f5b498', '#ea9178', '#db6c5a', '#c74643', '#ac2732', '#8c0d25'],
    missing: '#a0a0a0',
  },
};

export function colorMap(name: ColorMapName = 'inferno'): ColorMap {
  const map = MAPS[name];
  if (!map) throw new Error(`unknown colour map "${name}"; available: ${COLOR_MAPS.join(', ')}`);
  return map;
}

export function parseHex(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** Number of colour levels in a palette; palette index LEVELS is the missing colour. */
export const LEVELS = 255;

/** The palette for indexed PNGs: LEVELS colours from -1 to +1, then the missing colour. */
export function palette(map: ColorMap): number[][] {
  const stops = map.stops.map(parseHex);
  const out: number[][] = [];
  for (let i = 0; i < LEVELS; i++) {
    const t = (i / (LEVELS - 1)) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    out.push([0, 1, 2].map((c) => Math.round(stops[k][c] + f * (stops[k + 1][c] - stops[k][c]))));
  }
  out.push(parseHex(map.missing));
  return out;
}

/** Palette index of a value in [-1, 1] (clamped); NaN gets the missing colour. */
export function levelOf(value: number): number {
  if (Number.isNaN(value)) return LEVELS;
  const t = (Math.max(-1, Math.min(1, value)) + 1) / 2;
  return Math.round(t * (LEVELS - 1));
}
