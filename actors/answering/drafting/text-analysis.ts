// Tokenizing, stopwords, light stemming and a small cross-language glossary for retrieval; pure functions, no I/O.
import { bigrams, CJK_CHAR, CJK_RUN } from '../../runtime/core/cjk.ts';

// Words that carry no meaning for retrieval, in the Latin-script languages we answer in.
const STOPWORDS: ReadonlySet<string> = new Set(
  [
    // en
    'a an and are as at be been but by can could did do does for from had has have he her here hi hello his how i if in into is it its me my no not of on or our please so than thank thanks that the their them then there these they this to us was we were what when where which who why will with would you your yours dear regards best hey just also get got any all some about find know want need like help last week keep keeps tell let today yesterday sure ok okay much see',
    // de
    'aber als am an auch auf aus bei bin bis bitte da das dass dem den der des die doch du ein eine einem einen einer es für hallo hat habe haben ich ihr im in ist ja kann können mein meine meinen mit nach nicht noch nur oder sehr sie sind so und uns unser von vom war was wie wir wo zu zum zur danke guten tag grüße freundlichen liebe lieber finde finden brauche möchte gerne',
    // fr
    'au aux avec bonjour ce ces cette dans de des du elle en est et il je la le les leur lui ma mais me merci mes moi mon ne nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous cordialement salut est-ce comment faire veux voudrais puis puis-je dois peux',
    // es
    'al como con de del el en es esta este está gracias hola la las le lo los me mi mis muy no nos o para pero por que qué se si sin su sus te tu un una uno usted y ya saludos estimado estimada dónde donde cómo puedo quiero necesito',
    // it
    'il lo la gli le di da del della dei delle un una uno che non per con sono ho ha mi ci si ma come cosa questo questa ciao buongiorno buonasera salve grazie saluti cordiali posso vorrei devo mio mia miei',
    // pt
    'o os as um uma uns umas do da dos das no na nos nas em que não para com por se mas como meu minha olá ola oi bom boa dia tarde noite obrigado obrigada abraço cumprimentos posso quero preciso tem é eu você voce vocês',
    // nl
    'de het een en van ik je u uw mijn wij we is zijn niet met voor op dat die dit hoe wat waar kan kunnen graag hallo hoi beste bedankt dank groet groeten vriendelijke alvast heb hebben maar nog al er ook naar',
  ]
    .join(' ')
    .split(/\s+/),
);

// Maps frequent support words in de/fr/es to an English form, so a German "Rechnung" can still find
// the English "invoice" passage; the knowledge base itself stays in English.
const GLOSSARY: Readonly<Record<string, string>> = {
  herunterladen: 'download',
  télécharger: 'download',
  descargar: 'download',
  passwort: 'password',
  kennwort: 'password',
  zurücksetzen: 'reset',
  vergessen: 'forgot',
  rechnung: 'invoice',
  rechnungen: 'invoice',
  erstattung: 'refund',
  rückerstattung: 'refund',
  kündigen: 'cancel',
  kündigung: 'cancel',
  abonnement: 'subscription',
  abo: 'subscription',
  preis: 'price',
  preise: 'price',
  konto: 'account',
  gesperrt: 'locked',
  daten: 'data',
  exportieren: 'export',
  löschen: 'delete',
  zahlung: 'payment',
  fehler: 'error',
  sicherheit: 'security',
  mot: 'password',
  passe: 'password',
  'mot-de-passe': 'password',
  réinitialiser: 'reset',
  oublié: 'forgot',
  facture: 'invoice',
  factures: 'invoice',
  remboursement: 'refund',
  rembourser: 'refund',
  annuler: 'cancel',
  résilier: 'cancel',
  résiliation: 'cancel',
  prix: 'price',
  tarif: 'price',
  tarifs: 'price',
  compte: 'account',
  bloqué: 'locked',
  données: 'data',
  supprimer: 'delete',
  paiement: 'payment',
  erreur: 'error',
  sécurité: 'security',
  démo: 'demo',
  contraseña: 'password',
  restablecer: 'reset',
  olvidé: 'forgot',
  factura: 'invoice',
  facturas: 'invoice',
  reembolso: 'refund',
  cancelar: 'cancel',
  suscripción: 'subscription',
  precio: 'price',
  precios: 'price',
  cuenta: 'account',
  bloqueada: 'locked',
  datos: 'data',
  exportar: 'export',
  eliminar: 'delete',
  borrar: 'delete',
  pago: 'payment',
  seguridad: 'security',
};

// Pairs of Japanese particles and polite endings that say nothing about the topic.
const CJK_STOP: ReadonlySet<string> = new Set(
  'です ます ませ せん でし した ください さい くだ ので から ます。 こと ては には では とは けど って いる ある して する よろ ろし しく くお お願 願い いし いた たし こん んに にち ちは あり りが がと とう ござ ざい いま すか'.split(
    ' ',
  ),
);

// Longest suffixes first, so "subscriptions" loses "s" only after "ions" was tried.
const SUFFIXES = [
  'ational',
  'ations',
  'ation',
  'ments',
  'ment',
  'ings',
  'ing',
  'ies',
  'ied',
  'ers',
  'es',
  'ed',
  'er',
  'ly',
  's',
];

/** A light, deterministic suffix stripper: good enough to join invoice/invoices, reset/resetting, cancel/cancellation. */
export function stem(word: string): string {
  if (/\d/.test(word) || word.length <= 3) return word;
  let base = word;
  for (const suffix of SUFFIXES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) {
      base = word.slice(0, -suffix.length);
      if (suffix === 'ies' || suffix === 'ied') base += 'y';
      break;
    }
  }
  // "charged"/"charge" -> "charg"; then a final double consonant is collapsed everywhere, so
  // "cancelled", "cancellation" and "cancel" meet, and so do "install" and "installed".
  return base.replace(/e$/, '').replace(/([b-df-hj-np-tv-z])\1$/, '$1');
}

/** Lower-cased word tokens (letters, digits, joined by - or ' inside a word), before stopwords and stemming. */
export function words(text: string): string[] {
  const latin = text.replace(CJK_RUN, ' ');
  const cjk = (text.match(CJK_RUN) ?? []).flatMap(bigrams);
  return [...(latin.toLowerCase().match(/[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu) ?? []), ...cjk];
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** Index terms of a text: words minus stopwords, glossary-mapped to English, then stemmed. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (CJK_CHAR.test(word)) {
      if (!CJK_STOP.has(word)) out.push(word);
      continue;
    }
    if (STOPWORDS.has(word) || word.length < 2) continue;
    const mapped = GLOSSARY[word] ?? word;
    // Twice, so "transfer" and "transferring" (transferr -> transfer) meet, as do "order" and "ordered".
    out.push(stem(stem(mapped)));
  }
  return out;
}
