// Language detector for en, de, fr, es, it, pt, nl (stopwords) and ja (script) returning ISO 639-1; defaults to 'en'
// when unsure, no I/O.
import { bigrams, CJK_RUN } from '../../runtime/core/cjk.ts';
import { normalize } from './keyword-match.ts';

export const DEFAULT_LANGUAGE = 'en';

const STOPWORDS: Readonly<Record<string, string>> = {
  en: "the and is are to of my you your i it this that have has with for not can please we was on be would will what how hi hello thanks thank can't don't i'm there from our any been just but if do does as same before again still problem about",
  de: 'der die das und ist ich nicht sie mit ein eine einen einem bitte mein meine meinen ihr ihre wir auf fur zu den dem es hallo danke haben habe hat kann konnen wie noch auch sehr geehrte damen herren ist sind wurde mir mich uns leider seit schon aber oder',
  fr: "le la les et est je ne pas vous votre vos mon ma mes une un des pour avec bonjour merci sur que qui il nous ai c'est au aux dans madame monsieur suis depuis mais ou cette ce sont avez",
  es: 'el la los las y es que de en un una por para con no mi mis su hola gracias estoy tengo pero como muy del al me se lo buenos dias usted favor esta este desde han hace',
  it: 'il lo la gli le e che di un una per non sono mio mia ho ciao grazie buongiorno buonasera con del della delle dei come questo questa ma mi si ancora salve vorrei posso devo cosa perche quando grazie mille cordiali saluti gentile distinti sono stato ricevuto',
  pt: 'o a os as e que de em um uma para com nao meu minha ola oi obrigado obrigada estou tenho mas como do da no na voce voces bom dia boa tarde noite minha seu sua ja gostaria posso quero preciso quanto tempo isso vou abraco valeu',
  nl: 'de het een en is ik niet van mijn je u uw met voor op dat die hallo hoi bedankt graag zijn heb maar wat hoe dank alstublieft nog al wij ons onze mail vraag vraagje vorige kan kunt hebben wordt groet groetjes beste zie',
};

function wordLists(record: Readonly<Record<string, string>>): ReadonlyMap<string, ReadonlySet<string>> {
  return new Map(Object.entries(record).map(([lang, words]) => [lang, new Set(words.split(' '))]));
}

// A word shared by several languages ("de", "la") is weak evidence for each of them.
function sharedWeights(lists: ReadonlyMap<string, ReadonlySet<string>>): ReadonlyMap<string, number> {
  const owners = new Map<string, number>();
  for (const set of lists.values()) for (const w of set) owners.set(w, (owners.get(w) ?? 0) + 1);
  return new Map([...owners].map(([w, n]) => [w, 1 / n]));
}

// Words customers write to a help desk that belong to one language only (accents stripped): a short mail ("Mot de
// passe oublié", "Wachtwoord vergeten") often has no function word at all. Evidence for the language, not stopwords:
// contentWords still counts them as meaningful.
const VOCABULARY: Readonly<Record<string, string>> = {
  en: 'password forgot order shipping delivery invoice refund account cancel subscription login where when which why',
  de: 'passwort vergessen rechnung lieferung bestellung konto kundigen abo versand rabatt anmelden zahlung erstattung gutschein warum wann welche gibt',
  fr: 'mot passe oublie livraison commande combien coute puis payer fois compte facture remboursement abonnement connecter colis pourquoi quand quel quelle',
  es: 'puedo cuenta pedido contrasena cuanto cuesta envio factura reembolso suscripcion olvide donde cuando porque llega',
  it: 'quanto quando costa spedizione ordine accedere riesco fattura rimborso abbonamento dimenticato dove perche arriva pacco',
  pt: 'quanto consigo senha conta encomenda frete custa fatura reembolso assinatura esqueci onde quando porque chega entrega',
  nl: 'wachtwoord vergeten verzending bestelling kost wat naar inloggen factuur terugbetaling abonnement waar wanneer waarom pakket bezorging',
};
const VOCABULARY_LISTS = wordLists(VOCABULARY);
const VOCABULARY_WEIGHT = sharedWeights(VOCABULARY_LISTS);

// Word shapes (endings and letter pairs) each language has and English lacks: "rifiutato", "taglia", "tamanho",
// "maat", "Zahlung". Weak evidence (half a stopword) for mail too short to carry function words.
// English words that share a shape ("schedule", "booking", "data", "share", "enhance") are kept out by anchoring.
const SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/(ung|ungen|keit|heit|lich|schaft)$|\wsch|^(ge|ver|zer)\w{3,}(t|en)$/, 'de'],
  [/(eux|euse|eaux|oir|aille)$/, 'fr'],
  [/(cion|ciones|ado|idos|idas|illa|illo|lla|llo)$|^ll/, 'es'],
  [/(zione|zioni|ato|ati|etto|etta|aggio|glia|glio|gli|gna|gno)$/, 'it'],
  [/(cao|coes|agem|ado|inho|inha|nho|nha|lho|lha)$/, 'pt'],
  [/ij|aa|uu|(lijk|heid|tje)$/, 'nl'],
];
const SHAPE_WEIGHT = 0.5;

// Characters that mostly occur in one language; checked before accents are stripped.
const CHAR_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/[äöüß]/g, 'de'],
  [/[ñ¿¡]/g, 'es'],
  [/[çœêèà]/g, 'fr'],
  [/[ãõ]/g, 'pt'],
];

const LISTS = wordLists(STOPWORDS);
const WEIGHT = sharedWeights(LISTS);

/**
 * Words of a text that carry meaning: not a function word of any language we know, at least three letters; a
 * Japanese run (no spaces) counts as its character pairs.
 */
export function contentWords(text: string): string[] {
  const sample = text.slice(0, 5000);
  const tokens = normalize(sample).match(/[a-z]+(?:'[a-z]+)?/g) ?? [];
  const cjk = (sample.match(CJK_RUN) ?? []).flatMap((run) => (run.length >= 2 ? bigrams(run) : []));
  return [...tokens.filter((t) => t.length >= 3 && !WEIGHT.has(t)), ...cjk];
}

export function languageScores(text: string): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const lang of LISTS.keys()) scores[lang] = 0;
  const sample = text.slice(0, 5000);
  for (const [re, lang] of CHAR_HINTS) {
    const n = sample.toLowerCase().match(re)?.length ?? 0;
    scores[lang] = (scores[lang] ?? 0) + Math.min(n, 5) * 0.5;
  }
  const tokens = normalize(sample).match(/[a-z]+(?:'[a-z]+)?/g) ?? [];
  for (const t of tokens) {
    const w = WEIGHT.get(t);
    if (w !== undefined)
      for (const [lang, set] of LISTS) if (set.has(t)) scores[lang] = (scores[lang] ?? 0) + w;
    if (t.length >= 4 && w === undefined)
      for (const [re, lang] of SHAPES) if (re.test(t)) scores[lang] = (scores[lang] ?? 0) + SHAPE_WEIGHT;
    const v = VOCABULARY_WEIGHT.get(t);
    if (v !== undefined)
      for (const [lang, set] of VOCABULARY_LISTS) if (set.has(t)) scores[lang] = (scores[lang] ?? 0) + v;
  }
  return scores;
}

// Hiragana and katakana are written only in Japanese (kanji alone could be Chinese).
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;

/**
 * ISO 639-1 code of the most likely language, or 'en' when the evidence is thin or split. A short mail ("Hilfe
 * bitte") needs less evidence than a long one, but still more than any other language has.
 */
export function detectLanguage(text: string): string {
  if ((text.slice(0, 5000).match(KANA)?.length ?? 0) >= 2) return 'ja';
  const ranked = Object.entries(languageScores(text)).sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  const words = normalize(text.slice(0, 5000)).match(/[a-z]+/g)?.length ?? 0;
  if (best === undefined || best[1] < Math.min(2, Math.max(1, words / 4))) return DEFAULT_LANGUAGE;
  if (second !== undefined && best[1] < second[1] * 1.3) return DEFAULT_LANGUAGE;
  return best[0];
}
