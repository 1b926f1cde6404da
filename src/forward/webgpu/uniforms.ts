// Builds the bytes of a kernel's uniform struct field by field, in WGSL layout: scalars 4-byte
// aligned, vec4 arrays 16-byte aligned. Values are checked, so a shape that overflows the
// shaders' u32 index arithmetic fails here with a message instead of producing garbage.

export class Uniforms {
  private readonly words = new Uint32Array(64);
  private readonly floats = new Float32Array(this.words.buffer);
  private readonly ints = new Int32Array(this.words.buffer);
  private n = 0;

  constructor(private readonly what: string) {}

  private slot(): number {
    if (this.n >= this.words.length) throw new Error(`${this.what}: uniform block over ${this.words.length * 4} bytes`);
    return this.n++;
  }

  u32(...values: number[]): this {
    for (const v of values) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${this.what}: ${v} does not fit the kernel's u32 arithmetic`);
      this.words[this.slot()] = v;
    }
    return this;
  }

  i32(...values: number[]): this {
    for (const v of values) {
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new Error(`${this.what}: ${v} does not fit the kernel's i32 arithmetic`);
      this.ints[this.slot()] = v;
    }
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) this.floats[this.slot()] = v;
    return this;
  }

  /** Zero words up to the next 16-byte boundary. */
  align16(): this {
    while (this.n % 4 !== 0) this.words[this.slot()] = 0;
    return this;
  }

  /** A 16-byte aligned array<vec4<u32>, length / 4> holding `values`, zero-filled. */
  u32Array(values: readonly number[], length: number): this {
    if (values.length > length) throw new Error(`${this.what}: ${values.length} values for an array of ${length}`);
    this.align16();
    this.u32(...values);
    for (let i = values.length; i < length; i++) this.words[this.slot()] = 0;
    return this;
  }

  /** The block, padded to 16 bytes. */
  bytes(): Uint32Array {
    this.align16();
    return this.words.slice(0, this.n);
  }
}
