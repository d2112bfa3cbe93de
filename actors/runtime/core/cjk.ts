// Japanese (and Chinese) write no spaces: a run of these scripts is read as overlapping character pairs, by the
// language detector and by knowledge-base retrieval alike. Pure.

export const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]+/gu;
export const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]/u;

/** Character bigrams of a CJK run ("解約方法" -> 解約, 約方, 方法); a single character stands alone. */
export function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length < 2) return /\p{Script=Hiragana}/u.test(run) ? [] : chars;
  return chars.slice(1).map((c, i) => `${chars[i]!}${c}`);
}
