import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  NpyFormatError,
  describeDtype,
  encodeNpyHeader,
  npyHeaderLength,
  parseHeaderDict,
  parseNpyHeader,
  shapeRepr,
} from '../../../src/inputs/npy/npy-header.js';
import { fixture } from '../../helpers/io.js';

function withHeader(text: string, major = 1): Uint8Array {
  const body = major === 3 ? new TextEncoder().encode(text) : Uint8Array.from(text, (c) => c.charCodeAt(0));
  const lenBytes = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, body.length, true);
  else dv.setUint32(8, body.length, true);
  out.set(body, 8 + lenBytes);
  return out;
}

function formatError(f: () => unknown): NpyFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NpyFormatError);
    return e as NpyFormatError;
  }
  throw new Error('expected an NpyFormatError');
}

describe('parseNpyHeader on NumPy-made files', () => {
  test('format 1.0', () => {
    const h = parseNpyHeader(readFileSync(fixture('dense_f32.npy')));
    expect(h).toMatchObject({ version: [1, 0], descr: '<f4', fortranOrder: false, shape: [13, 7], dataOffset: 128, structured: false });
  });
  test('format 2.0', () => {
    const h = parseNpyHeader(readFileSync(fixture('v2_f32.npy')));
    expect(h).toMatchObject({ version: [2, 0], descr: '<f4', fortranOrder: false, shape: [4, 3] });
    expect(h.dataOffset % 64).toBe(0);
  });
  test('format 3.0', () => {
    const h = parseNpyHeader(readFileSync(fixture('v3_f64.npy')));
    expect(h).toMatchObject({ version: [3, 0], descr: '<f8', fortranOrder: false, shape: [2, 3, 1, 2] });
  });
  test('big-endian, Fortran, int, bool, scalar, rank 1, structured', () => {
    expect(parseNpyHeader(readFileSync(fixture('big_endian_f4.npy'))).descr).toBe('>f4');
    expect(parseNpyHeader(readFileSync(fixture('fortran.npy'))).fortranOrder).toBe(true);
    expect(parseNpyHeader(readFileSync(fixture('int64.npy'))).descr).toBe('<i8');
    expect(parseNpyHeader(readFileSync(fixture('bool.npy'))).descr).toBe('|b1');
    expect(parseNpyHeader(readFileSync(fixture('scalar.npy'))).shape).toEqual([]);
    expect(parseNpyHeader(readFileSync(fixture('rank1.npy'))).shape).toEqual([5]);
    const s = parseNpyHeader(readFileSync(fixture('structured.npy')));
    expect(s.structured).toBe(true);
    expect(s.descr).toContain("'x'");
  });
  test('only the header bytes are needed; extra bytes are ignored', () => {
    const all = readFileSync(fixture('conv_f64.npy'));
    const len = npyHeaderLength(all.subarray(0, 12));
    expect(len).toBe(128);
    expect(parseNpyHeader(all.subarray(0, len)).shape).toEqual([3, 5, 2, 3]);
  });
});

describe('header dict parsing', () => {
  test.each([
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", [5]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (), }", []],
    ["{'descr':'<f4','fortran_order':False,'shape':(3,4)}", [3, 4]],
    ["{'shape': (3, 4,), 'fortran_order': False, 'descr': '<f4',}", [3, 4]],
    ['{"descr": "<f4", "fortran_order": False, "shape": (2, 3, 4, 5)}', [2, 3, 4, 5]],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L), }", [3, 4]],
    ["{'descr': u'<f4', 'fortran_order': False, 'shape': [6, 7], }", [6, 7]],
    ["  {\n 'descr' : '<f8' ,\t'fortran_order' : False , 'shape' : ( 10 , 20 , ) , }  \n", [10, 20]],
    ["{'descr': '<f4', 'fortran_order': 0, 'shape': (12345678901234,), }", [12345678901234]],
  ])('%s', (text, shape) => {
    const d = parseHeaderDict(text);
    expect(d.shape).toEqual(shape);
    expect(d.fortranOrder).toBe(false);
  });

  test('escapes in strings', () => {
    expect(parseHeaderDict("{'descr': '<f\\x34', 'fortran_order': True, 'shape': (1, 1)}").descr).toBe('<f4');
  });

  test.each([
    ["{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"],
    ["{'descr': '<f4', 'shape': (1,)}", "missing key 'fortran_order'"],
    ["{'fortran_order': False, 'shape': (1,)}", "missing key 'descr'"],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2)}", 'non-negative integers'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1.5, 2)}", 'non-negative integers'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': 7}", 'tuple of integers'],
    ["{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,)}", 'expected True or False'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", 'expected'],
    ["{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", 'malformed'],
    ["{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}", 'unexpected name'],
    ["['descr', 'shape']", 'not a dict'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing", 'unexpected'],
    ["{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 'duplicate key'],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", 'too large'],
  ])('refuses %s', (text, why) => {
    const e = formatError(() => parseHeaderDict(text));
    expect(e.code).toBe('BAD_HEADER');
    expect(e.message).toContain('malformed .npy header');
    expect(e.message).toContain(why);
  });
});

describe('binary prefix', () => {
  test('bad magic', () => {
    const e = formatError(() => parseNpyHeader(new TextEncoder().encode('PK\x03\x04 not numpy at all')));
    expect(e.code).toBe('BAD_MAGIC');
    expect(e.message).toMatch(/not a \.npy file \(bad magic/);
    expect(e.message).toContain('PK');
    expect(formatError(() => npyHeaderLength(new Uint8Array(0))).message).toContain('empty file');
  });
  test('unknown version', () => {
    const b = withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 1);
    b[6] = 4;
    const e = formatError(() => parseNpyHeader(b));
    expect(e.code).toBe('BAD_VERSION');
    expect(e.message).toContain('4.0');
  });
  test('header cut short', () => {
    const b = withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 2);
    expect(formatError(() => parseNpyHeader(b.subarray(0, 9))).code).toBe('SHORT_HEADER');
    expect(formatError(() => parseNpyHeader(b.subarray(0, 30))).code).toBe('SHORT_HEADER');
  });
  test('an implausibly long header is refused, not allocated', () => {
    const b = withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 2);
    new DataView(b.buffer).setUint32(8, 0xfffffff0, true);
    const e = formatError(() => npyHeaderLength(b));
    expect(e.code).toBe('BAD_HEADER');
    expect(e.message).toContain('implausible .npy header length 4294967280 bytes');
  });
  test('versions 1, 2, 3 hand-made', () => {
    for (const major of [1, 2, 3]) {
      const h = parseNpyHeader(withHeader("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 9), }", major));
      expect(h.version).toEqual([major, 0]);
      expect(h.shape).toEqual([2, 9]);
      expect(h.descr).toBe('>f8');
    }
  });
  test('version 3 decodes UTF-8', () => {
    const h = parseNpyHeader(withHeader("{'descr': [('é', '<f4')], 'fortran_order': False, 'shape': (2,), }", 3));
    expect(h.structured).toBe(true);
    expect(h.descr).toContain('é');
  });
});

describe('encodeNpyHeader', () => {
  test.each(['dense_f32.npy', 'conv_f64.npy', 'big_endian_f8.npy', 'fortran.npy', 'int64.npy', 'rank1.npy', 'scalar.npy', 'ref_f32_0x3.npy', 'ref_f32_12345678901x0.npy'])(
    'matches NumPy byte for byte: %s',
    (name) => {
      const file = readFileSync(fixture(name));
      const h = parseNpyHeader(file);
      const mine = encodeNpyHeader({ descr: h.descr, fortranOrder: h.fortranOrder, shape: h.shape });
      expect(Buffer.from(mine).equals(file.subarray(0, h.dataOffset))).toBe(true);
    },
  );
  test('forced versions 2.0 and 3.0 match NumPy', () => {
    for (const name of ['v2_f32.npy', 'v3_f64.npy']) {
      const file = readFileSync(fixture(name));
      const h = parseNpyHeader(file);
      const mine = encodeNpyHeader({ descr: h.descr, shape: h.shape, version: [h.version[0] as 2 | 3, 0] });
      expect(Buffer.from(mine).equals(file.subarray(0, h.dataOffset))).toBe(true);
    }
  });
  test('round trip and alignment for many shapes', () => {
    for (const shape of [[], [0], [1], [7, 3], [1, 2, 3, 4], [123456789, 1], [2 ** 40, 3]]) {
      const b = encodeNpyHeader({ descr: '<f8', shape });
      expect(b.length % 64).toBe(0);
      expect(b[b.length - 1]).toBe(0x0a);
      const h = parseNpyHeader(b);
      expect(h.shape).toEqual(shape);
      expect(h.dataOffset).toBe(b.length);
    }
  });
  test('falls back to version 2.0 for a header over 64 KiB', () => {
    const shape = Array.from({ length: 12000 }, (_, i) => i + 1);
    const b = encodeNpyHeader({ descr: '<f4', shape });
    expect(b[6]).toBe(2);
    expect(parseNpyHeader(b).shape).toEqual(shape);
    expect(() => encodeNpyHeader({ descr: '<f4', shape, version: [1, 0] })).toThrow(/too long/);
  });
  test('shapeRepr', () => {
    expect(shapeRepr([])).toBe('()');
    expect(shapeRepr([5])).toBe('(5,)');
    expect(shapeRepr([3, 4])).toBe('(3, 4)');
  });
});

describe('describeDtype', () => {
  test.each([
    ['<f4', 'little', 'f', 4, 'float32'],
    ['>f8', 'big', 'f', 8, 'float64'],
    ['<i8', 'little', 'i', 8, 'int64'],
    ['|b1', 'none', 'b', 1, 'bool'],
    ['|u1', 'none', 'u', 1, 'uint8'],
    ['<f2', 'little', 'f', 2, 'float16'],
    ['<c16', 'little', 'c', 16, 'complex128'],
    ['=f4', 'little', 'f', 4, 'float32'],
    ['|O', 'none', 'O', 0, 'object'],
  ])('%s', (descr, byteOrder, kind, itemSize, name) => {
    expect(describeDtype(descr)).toEqual({ byteOrder, kind, itemSize, name });
  });
  test('not a simple descriptor', () => {
    expect(describeDtype("[('x', '<f4')]")).toBeNull();
  });
});
