// "a" or "an" before a word that a message fills in ("node X is an Erf", "an 8 x 8 map"): the
// article follows how the word is said, so every message with `a ${word}` uses this.

/** Acronym letters said with a vowel sound first: "an LSTM", "an RNN", "an SVD". */
const VOWEL_SOUND_LETTERS = new Set(['A', 'E', 'F', 'H', 'I', 'L', 'M', 'N', 'O', 'R', 'S', 'X']);

/** `a word` or `an word`, as the word is said (numbers as read aloud: an 8, an 11, an 18000, a 1). */
export function withArticle(word: string): string {
  return `${startsWithVowelSound(word) ? 'an' : 'a'} ${word}`;
}

function startsWithVowelSound(word: string): boolean {
  const digits = /^\d+/.exec(word)?.[0];
  if (digits) {
    // Eight..., eleven, eighteen (and eleven/eighteen thousand, million, ...): the leading group.
    const group = digits.slice(0, digits.length % 3 || 3);
    return group.startsWith('8') || group === '11' || group === '18';
  }
  const acronym = /^[A-Z]{2,}(?![a-z])/.test(word);
  if (acronym) return VOWEL_SOUND_LETTERS.has(word[0]);
  return /^[aeiou]/i.test(word);
}
