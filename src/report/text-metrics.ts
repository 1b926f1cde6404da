// Text widths for Vega in Node, where it has no canvas to measure with and otherwise guesses
// 0.8 em a character (twice too wide: charts come out padded with blank space). These are the
// advance widths of Helvetica (Adobe's core-14 metrics, per 1000 em), which Arial and Liberation
// Sans (the font the exported PNGs are drawn with) share.

// Widths of ASCII 32 (space) to 126 (~).
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space ! " # $ % & ' ( ) * + , - . /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
  278, 278, 584, 584, 584, 556, 1015, // : ; < = > ? @
  667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // A-Z
  278, 278, 278, 469, 556, 333, // [ \ ] ^ _ `
  556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // a-z
  334, 260, 334, 584, // { | } ~
];
const OTHER = 556;

/** Width in pixels of `text` at `fontSize` px (bold about 6% wider). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    units += c >= 32 && c <= 126 ? HELVETICA[c - 32] : OTHER;
  }
  return (units / 1000) * fontSize * (bold ? 1.06 : 1);
}

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

/** Replaces Vega's text width estimate (vega.textMetrics.width) with Helvetica's metrics. */
export function useHelveticaMetrics(textMetrics: { width: (item: TextItem, text?: unknown) => number }): void {
  textMetrics.width = (item: TextItem, text?: unknown) => {
    const value = text ?? item.text;
    const lines = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
    const size = typeof item.fontSize === 'number' ? item.fontSize : 11;
    const bold = item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600);
    return Math.max(0, ...lines.map((l) => textWidth(l, size, bold)));
  };
}
