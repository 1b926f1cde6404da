// The registry of methods: built-ins and plugins register the same way, and a second method of
// the same name is refused unless its registration asks to override.
import type { Method, MethodContext, MethodResult } from './types.js';
import type { Table } from '../../tables/types.js';

export class MethodRegistry {
  private readonly methods = new Map<string, { method: Method; origin: string }>();

  register(method: Method, origin: string, options: { override?: boolean } = {}): void {
    if (!/^[a-z][a-z0-9-]*$/.test(method.name)) {
      throw new Error(`${origin}: method name "${method.name}" must be lower-case letters, digits and dashes`);
    }
    if (typeof method.run !== 'function') throw new Error(`${origin}: method "${method.name}" has no run() function`);
    const existing = this.methods.get(method.name);
    if (existing && !options.override) {
      throw new Error(
        `${origin}: a method named "${method.name}" is already registered by ${existing.origin}; ` +
          `set override: true in the plugin to replace it`,
      );
    }
    this.methods.set(method.name, { method: { ...method, run: checkedRun(method, origin) }, origin });
  }

  get(name: string): Method {
    const entry = this.methods.get(name);
    if (!entry) throw new Error(`unknown method "${name}"; available: ${this.names().join(', ')}`);
    return entry.method;
  }

  /** Who registered the method: `built-in` or the plugin's label (name@version and where it came from). */
  origin(name: string): string {
    this.get(name); // an unknown name is refused as get() refuses it
    return this.methods.get(name)!.origin;
  }

  has(name: string): boolean {
    return this.methods.has(name);
  }

  names(): string[] {
    return [...this.methods.keys()].sort();
  }

  list(): { name: string; description: string; origin: string }[] {
    return this.names().map((name) => {
      const { method, origin } = this.methods.get(name)!;
      return { name, description: method.description, origin };
    });
  }
}

/** Where a method's error happened: `method NAME (plugin P@V (PATH)), layer L`, or `method NAME, layer L` for a built-in. */
export function methodPlace(name: string, origin: string, layer: string): string {
  const builtIn = origin === 'built-in' || origin.endsWith('(built-in)');
  return `method ${name}${builtIn ? '' : ` (${origin})`}, layer ${layer}`;
}

/**
 * The method's run(), with its errors placed and its tables checked: an exception says which
 * method (and plugin) and layer it came from, the original kept as its `cause`; a plugin that
 * returns a plain object where a table belongs would otherwise fail much later with
 * "t.columnNames is not a function" (arrays are checked where align writes them).
 */
function checkedRun(method: Method, origin: string): Method['run'] {
  return async (ctx: MethodContext) => {
    const where = methodPlace(method.name, origin, ctx.layer);
    let result: MethodResult | undefined;
    try {
      result = (await method.run(ctx)) as MethodResult | undefined;
    } catch (error) {
      throw placedError(where, method.name, error);
    }
    if (!result || typeof result !== 'object') throw new Error(`${where}: run() must return an object { tables?, arrays? }, got ${String(result)}`);
    for (const [name, table] of Object.entries(result.tables ?? {})) {
      if (!isTable(table)) {
        throw new Error(`${where}: table "${name}" is not a table (build it with ctx.table({ column: values, ... }))`);
      }
    }
    return result;
  };
}

/**
 * Whether `value` has the members of the public Table type (src/tables/types.ts). Any such object
 * is accepted, not only an arquero table: asColumnTable copies the others column by column.
 */
function isTable(value: unknown): value is Table {
  if (!value || typeof value !== 'object') return false;
  const t = value as Record<keyof Table, unknown>;
  return typeof t.columnNames === 'function' && typeof t.numRows === 'function' && typeof t.objects === 'function' && typeof t.array === 'function';
}

/** The error said at its place (a message that names the method already has it replaced by the place). */
function placedError(where: string, name: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(where)) return error as Error;
  const own = `method ${name}: `;
  return new Error(`${where}: ${message.startsWith(own) ? message.slice(own.length) : message}`, { cause: error });
}
