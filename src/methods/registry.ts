// The registry of methods: built-ins and plugins register the same way, and a second method of
// the same name is refused unless its registration asks to override.
import type { Method, MethodContext, MethodResult } from './types.js';

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

/**
 * The method's run(), with its tables checked: a plugin that returns a plain object where a table
 * belongs would otherwise fail much later with "prior.concat is not a function" (arrays are
 * checked where align writes them).
 */
function checkedRun(method: Method, origin: string): Method['run'] {
  return async (ctx: MethodContext) => {
    const result = (await method.run(ctx)) as MethodResult | undefined;
    const where = `method ${method.name} (${origin}), layer ${ctx.layer}`;
    if (!result || typeof result !== 'object') throw new Error(`${where}: run() must return an object { tables?, arrays? }, got ${String(result)}`);
    for (const [name, table] of Object.entries(result.tables ?? {})) {
      const t = table as { concat?: unknown; objects?: unknown } | null;
      if (!t || typeof t.concat !== 'function' || typeof t.objects !== 'function') {
        throw new Error(`${where}: table "${name}" is not a table (build it with ctx.table({ column: values, ... }))`);
      }
    }
    return result;
  };
}
