// A tiny parser for Python literals (never `eval`): what a .npy header's dict is written in
// (strings in either quote style, ints with Python 2's `L`, floats, True/False/None, tuples,
// lists, dicts, trailing commas), and its repr back, as written, for error messages.

export type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;
/** Arrays that were tuples (not lists) in the source, so they render back as written. */
const tuples = new WeakSet<PyValue[]>();

export class PyLiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseTop(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) throw new Error(`unexpected ${JSON.stringify(this.s[this.i])} at ${this.i}`);
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) throw new Error('unexpected end');
    if (c === '{') return this.dict();
    if (c === '(') return this.seq(')');
    if (c === '[') return this.seq(']');
    if (c === "'" || c === '"') return this.str();
    if ((c === 'u' || c === 'b' || c === 'U' || c === 'B') && (this.s[this.i + 1] === "'" || this.s[this.i + 1] === '"')) {
      this.i++;
      return this.str();
    }
    if (/[-+0-9]/.test(c)) return this.num();
    const m = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      if (m[0] === 'True') return true;
      if (m[0] === 'False') return false;
      if (m[0] === 'None') return null;
      throw new Error(`unexpected name ${m[0]}`);
    }
    throw new Error(`unexpected ${JSON.stringify(c)} at ${this.i}`);
  }

  private dict(): Map<string, PyValue> {
    this.i++; // {
    const out = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const k = this.value();
      if (typeof k !== 'string') throw new Error(`dict key ${renderPy(k)} is not a string`);
      this.ws();
      if (this.s[this.i] !== ':') throw new Error(`expected ':' at ${this.i}`);
      this.i++;
      const v = this.value();
      if (out.has(k)) throw new Error(`duplicate key '${k}'`);
      out.set(k, v);
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new Error(`expected ',' or '}' at ${this.i}`);
    }
  }

  private seq(close: ')' | ']'): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    if (close === ')') tuples.add(out);
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new Error(`expected ',' or '${close}' at ${this.i}`);
    }
  }

  private str(): string {
    const q = this.s[this.i]!;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === '\n') throw new Error('unterminated string');
      this.i++;
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        case 'x': out += String.fromCharCode(parseInt(this.hex(2), 16)); break;
        case 'u': out += String.fromCharCode(parseInt(this.hex(4), 16)); break;
        case 'U': out += String.fromCodePoint(parseInt(this.hex(8), 16)); break;
        case undefined: throw new Error('unterminated string');
        default: out += e; // \\ \' \" and anything else literally
      }
    }
  }

  private hex(n: number): string {
    const h = this.s.slice(this.i, this.i + n);
    if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== n) throw new Error(`bad escape at ${this.i}`);
    this.i += n;
    return h;
  }

  private num(): number {
    const m = /^[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)[lL]?/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`bad number at ${this.i}`);
    this.i += m[0].length;
    const text = m[0].replace(/[lL]$/, '');
    const v = Number(text);
    if (/^[-+]?\d+$/.test(text) && !Number.isSafeInteger(v)) throw new Error(`integer ${text} too large`);
    return v;
  }
}

/** The value as Python would write it (tuples as tuples). */
export function renderPy(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) {
    if (!tuples.has(v)) return `[${v.map(renderPy).join(', ')}]`;
    return `(${v.map(renderPy).join(', ')}${v.length === 1 ? ',' : ''})`;
  }
  return `{${[...v].map(([k, x]) => `${renderPy(k)}: ${renderPy(x)}`).join(', ')}}`;
}
