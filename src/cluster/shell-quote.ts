// Words for a bash script, each read back by the shell exactly as given: paths with spaces, quotes,
// `$`, backquotes or line breaks in them stay one word and expand nothing.

/** Words made of these characters only mean themselves to bash: they are left bare for legibility. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word for bash: bare when plain, else in single quotes (a single quote as '\''). */
export function shellQuote(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line of words, each quoted. */
export function shellLine(words: string[]): string {
  return words.map(shellQuote).join(' ');
}
