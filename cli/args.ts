// A first look at the raw command line, before yargs parses it: plugins (--plugin, --config) and
// the native-noise filter (--backend) need a flag's value while the commands are not yet built.

/** Values of `--name X` and `--name=X` in argv. */
export function argValues(argv: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === `--${name}` && i + 1 < argv.length) out.push(argv[++i]);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out;
}
