// Which language a reply is written in, judged apart from the classifier's detector (so the check is not circular); pure.

/** Frequent function words, one list per language; a word in two lists counts for both. */
const MARKERS: Readonly<Record<string, readonly string[]>> = {
  en: [
    'the',
    'and',
    'you',
    'your',
    'is',
    'are',
    'to',
    'of',
    'for',
    'with',
    'we',
    'this',
    'that',
    'can',
    'please',
    'thanks',
    'have',
    'will',
    'our',
    'if',
  ],
  de: [
    'der',
    'die',
    'das',
    'und',
    'ist',
    'nicht',
    'sie',
    'ihre',
    'wir',
    'mit',
    'für',
    'auf',
    'eine',
    'bitte',
    'können',
    'wenn',
    'oder',
    'auch',
    'dem',
    'den',
    'unter',
    'ich',
  ],
  fr: [
    'le',
    'les',
    'et',
    'est',
    'vous',
    'votre',
    'vos',
    'nous',
    'pour',
    'avec',
    'une',
    'des',
    'pas',
    'dans',
    'sur',
    'merci',
    'être',
    'qui',
    'du',
    'au',
    'ce',
    'je',
  ],
  es: [
    'el',
    'los',
    'las',
    'y',
    'es',
    'usted',
    'su',
    'sus',
    'para',
    'con',
    'una',
    'por',
    'del',
    'gracias',
    'puede',
    'muy',
    'lo',
    'se',
    'tu',
    'nos',
    'como',
    'desde',
  ],
  it: [
    'il',
    'gli',
    'e',
    'è',
    'di',
    'che',
    'per',
    'con',
    'una',
    'non',
    'sono',
    'della',
    'grazie',
    'può',
    'si',
    'ci',
    'al',
    'nel',
    'dal',
    'tuo',
    'vostro',
    'entro',
  ],
  pt: [
    'o',
    'os',
    'as',
    'é',
    'de',
    'que',
    'para',
    'com',
    'uma',
    'não',
    'você',
    'seu',
    'sua',
    'obrigado',
    'obrigada',
    'pode',
    'em',
    'do',
    'da',
    'na',
    'ao',
    'pelo',
  ],
  nl: [
    'de',
    'het',
    'een',
    'en',
    'is',
    'niet',
    'u',
    'uw',
    'wij',
    'we',
    'voor',
    'met',
    'op',
    'dat',
    'van',
    'te',
    'bedankt',
    'kunt',
    'ook',
    'naar',
    'zijn',
    'onder',
  ],
};

const INDEX: ReadonlyMap<string, readonly string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [lang, words] of Object.entries(MARKERS))
    for (const w of words) m.set(w, [...(m.get(w) ?? []), lang]);
  return m;
})();

/** Kana and CJK ideographs: a reply mostly in them is Japanese (the only such supported language). */
const JAPANESE = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/gu;
const LETTER = /\p{L}/gu;

/** 'und' when nothing is recognised. */
export function replyLanguage(text: string): string {
  const letters = text.match(LETTER)?.length ?? 0;
  const japanese = text.match(JAPANESE)?.length ?? 0;
  if (letters > 0 && japanese / letters > 0.3) return 'ja';
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) {
    for (const lang of INDEX.get(word) ?? []) counts.set(lang, (counts.get(lang) ?? 0) + 1);
  }
  let best = 'und';
  let bestCount = 0;
  for (const [lang, n] of counts) {
    if (n > bestCount) [best, bestCount] = [lang, n];
  }
  return best;
}

/** Whether the text asks the reader something (a question mark of any supported script). */
export function asksQuestion(text: string): boolean {
  return /[?？]/.test(text);
}
