// Counts in messages: "1 image", "2 images". Every message with a count uses this.

/** `n noun` with the noun in the right number (`pluralNoun` for irregular ones). */
export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : pluralNoun}`;
}
