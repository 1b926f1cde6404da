// The two things scripts/embed-kernels.mjs does to a WGSL shader before embedding it:
//
// 1. Includes. WGSL has none, so a line `//#include "common/index_walk.wgsl"` is replaced by
//    that file (relative to shaders/), once per shader even when several files include it. A
//    missing file or a cycle is an error naming the chain of files.
// 2. Uniform layouts. Every `@binding(N) var<uniform> name: Struct;` is read back as the byte
//    layout of Struct (WGSL's alignment rules for the scalar, vec and vec4-array fields the
//    kernels use), so the host packs uniforms by field name from the shader's own declaration
//    (src/gpu/uniforms.ts) instead of a second, hand-kept list of offsets.

const INCLUDE = /^[ \t]*\/\/#include[ \t]+"([^"]+)"[ \t]*$/gm;

/**
 * The text of `name` with its includes resolved. `read(name)` returns a file's text, or
 * undefined when there is none.
 */
export function resolveIncludes(name, read) {
  const done = new Set();
  const expand = (file, chain) => {
    if (chain.includes(file)) throw new Error(`shader include cycle: ${[...chain, file].join(' -> ')}`);
    const text = read(file);
    if (text === undefined) {
      const from = chain.length > 0 ? ` (included from ${chain.join(' -> ')})` : '';
      throw new Error(`shader include: no file shaders/${file}${from}`);
    }
    done.add(file);
    return text.replace(INCLUDE, (_, inc) => {
      if (chain.includes(inc) || inc === file) throw new Error(`shader include cycle: ${[...chain, file, inc].join(' -> ')}`);
      if (done.has(inc)) return `// (${inc} is included above)`;
      return `// ---- ${inc} ----\n${expand(inc, [...chain, file]).trimEnd()}\n// ---- end of ${inc} ----`;
    });
  };
  return expand(name, []);
}

const SCALARS = { u32: 'u32', i32: 'i32', f32: 'f32' };

/** Size, alignment and element kind of a uniform field's WGSL type. */
function fieldType(type, where) {
  const t = type.replace(/\s+/g, '');
  if (SCALARS[t]) return { kind: SCALARS[t], count: 1, size: 4, align: 4 };
  let m = /^vec([234])<(u32|i32|f32)>$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    return { kind: m[2], count: n, size: 4 * n, align: n === 2 ? 8 : 16 };
  }
  m = /^array<vec4<(u32|i32|f32)>,(\d+)u?>$/.exec(t);
  if (m) return { kind: m[1], count: 4 * Number(m[2]), size: 16 * Number(m[2]), align: 16 };
  throw new Error(`${where}: uniform field type ${type} is not one the host can pack`);
}

/** The comma-separated declarations of a struct body (commas inside <...> do not split). */
function splitFields(body) {
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if ((c === ',' && depth === 0) || i === body.length) {
      const decl = body.slice(start, i).trim();
      if (decl) out.push(decl);
      start = i + 1;
    }
  }
  return out;
}

/** Padding fields (`_pad`, `_pad0`, `pad0`, ...; not `pad`): written as zero, never named by the host. */
export const isPadding = (field) => /^(_pad\d*|pad\d+)$/.test(field);

/** The layouts of a shader's uniform bindings: { [binding]: { struct, size, fields } }. */
export function uniformLayouts(shaderName, source) {
  const text = source.replace(/\/\/[^\n]*/g, '');
  const layouts = {};
  for (const m of text.matchAll(/@binding\((\d+)\)\s*var<uniform>\s*(\w+)\s*:\s*(\w+)\s*;/g)) {
    const [, binding, , structName] = m;
    const where = `shaders/${shaderName}.wgsl, struct ${structName}`;
    const body = new RegExp(`struct\\s+${structName}\\s*\\{([^}]*)\\}`).exec(text);
    if (!body) throw new Error(`${where}: not found`);
    let offset = 0;
    const fields = [];
    for (const decl of splitFields(body[1])) {
      const f = /^(\w+)\s*:\s*(.+)$/.exec(decl);
      if (!f) throw new Error(`${where}: cannot read field "${decl}"`);
      const t = fieldType(f[2], where);
      offset = Math.ceil(offset / t.align) * t.align;
      fields.push({ name: f[1], kind: t.kind, offset, count: t.count, padding: isPadding(f[1]) });
      offset += t.size;
    }
    // Uniform blocks are bound in whole 16-byte rows.
    layouts[binding] = { struct: structName, size: Math.ceil(offset / 16) * 16, fields };
  }
  return layouts;
}
