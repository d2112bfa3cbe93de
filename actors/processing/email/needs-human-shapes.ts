// Sentence shapes that say a person must answer (a request to cancel rather than a how-to question, something down
// with what it costs, a bank reversing a payment, a formal legal letter), over normalized text; pure, no lexicons.
// Each is a family of phrasings (verb forms, word order, the language's own construction), not one email's words.

const W = String.raw`(?<![\p{L}\p{N}])`;
const E = String.raw`(?![\p{L}\p{N}])`;
const re = (source: string): RegExp => new RegExp(source, 'u');

// What a customer cancels: the subscription, never an order, a booking or a lesson (those are ordinary support).
const CANCELLED =
  String.raw`(account|subscription|plan|membership|contract|(paid |pro |team |yearly |annual |monthly )?tier|` +
  String.raw`konto|abo|abonnement|vertrag|tarif|mitgliedschaft|` +
  String.raw`compte|forfait|contrat|adhesion|` +
  String.raw`cuenta|suscripcion|contrato|membresia|plan|` +
  String.raw`abbonamento|contratto|iscrizione|piano|` +
  String.raw`conta|assinatura|plano|` +
  String.raw`pakket|lidmaatschap|hostingpakket)`;

/**
 * Wanting the subscription ended, in each language's constructions: a cancel verb (any form) followed within a few
 * words by what is cancelled ("cancel our Team plan", "quero cancelar o plano Family", "kündigen wir unseren Tarif").
 */
const CANCEL_INTENT = re(
  [
    String.raw`${W}(cancel\w*|close|closing|delete|deleting|terminat\w*|discontinu\w*|shut down|deactivat\w*|remove)\s+(my|our|the|this)\s+(?:[\p{L}\p{N}+-]+\s+){0,3}?${CANCELLED}${E}`,
    // "I no longer want the subscription. Cancel it now.": the verb points back at what was named.
    String.raw`${W}${CANCELLED}${E}.{0,80}${W}(cancel|close|terminate|end|stop) (it|this|that|them)${E}`,
    String.raw`${W}cancell?ation of (my|our|the) (?:[\p{L}\p{N}+-]+\s+){0,2}${CANCELLED}${E}`,
    String.raw`${W}kundig\w*${E}`,
    String.raw`${W}(beend\w*|losch\w*|schliess\w*)\s+(sie\s+)?(mein|meine|meinen|unser|unsere|unseren|das|den|die)\s+(?:[\p{L}\p{N}+-]+\s+){0,2}?${CANCELLED}${E}`,
    String.raw`${W}${CANCELLED}\s+(loschen|beenden|schliessen)${E}`,
    String.raw`${W}(resili\w*|annul\w*|ferm\w*|supprim\w*|arret\w*|mettre fin a)\s+(mon|ma|mes|notre|nos|le|la|l')\s*(?:[\p{L}\p{N}+-]+\s+){0,2}${CANCELLED}${E}`,
    String.raw`${W}resili\w*${E}`,
    String.raw`${W}(cancel\w*|anul\w*|termin\w*|cerr\w*|encerr\w*|dar(me|nos)? de baja|darse de baja|baja de)\s+(a |o |as |os |la |el |mi |mis |nuestra |nuestro |minha |meu |nossa |nosso |esta |este |essa |esse )?\s*(?:[\p{L}\p{N}+-]+\s+){0,2}${CANCELLED}${E}`,
    String.raw`${W}(dar(me|nos)?|darse|dad|den|dame|denme) de baja${E}`,
    String.raw`${W}(disdi\w*|disdetta|annull\w*|cancell\w*|chiud\w*)\s+(il |lo |la |l'|mio |mia |nostro |nostra |il mio |la mia |il nostro )?\s*(?:[\p{L}\p{N}+-]+\s+){0,2}${CANCELLED}${E}`,
    String.raw`${W}disdetta${E}`,
    String.raw`${W}(opzeg\w*|opgezegd|beeindig\w*|stopzett\w*)${E}`,
    // Dutch splits the verb around what is cancelled: "hierbij zeg ik ons pakket op".
    String.raw`${W}zeg(t|gen)? (ik|wij|we|u) .{0,60}${CANCELLED}${E}.{0,40} op${E}`,
  ].join('|'),
);

/** Asking how to do it oneself ("how do I cancel", "come faccio", "wie kann ich kündigen"): the article answers. */
const HOW_TO = re(
  [
    String.raw`${W}how (do|can|could|would|should) (i|we|you)${E}`,
    String.raw`${W}how to${E}`,
    String.raw`${W}(is|are) (it|there) (possible|a way)${E}`,
    String.raw`${W}wie (kann|konnen|muss|mussen) (ich|wir|man)${E}`,
    String.raw`${W}wie (geht|funktioniert)${E}`,
    String.raw`${W}comment (puis|peut|faire|faut|dois|doit)\w*${E}`,
    String.raw`${W}como (puedo|podemos|hago|se hace|hacemos|faco|fazemos|posso|consigo|devo)${E}`,
    String.raw`${W}come (faccio|posso|si fa|devo|possiamo)${E}`,
    String.raw`${W}hoe (kan|moet|doe) (ik|je|we|u)${E}`,
    String.raw`${W}hoe (werkt|gaat)${E}`,
    // Asking whether one may ("can I cancel at any time?", "posso disdire quando voglio?") is a policy question.
    String.raw`${W}(can|may|could) (i|we)${E}`,
    String.raw`${W}(kann|darf|konnen|durfen) (ich|wir|man)${E}`,
    String.raw`${W}(puis-je|peut-on|pouvons-nous|est-il possible|est-ce possible)${E}`,
    String.raw`${W}(puedo|podemos|se puede|es posible)${E}`,
    String.raw`${W}(posso|possiamo|si puo|e possibile|podemos|e possivel|da para)${E}`,
    String.raw`${W}(kan|mag) (ik|je|we|men)${E}`,
  ].join('|'),
);

/** Telling us to do it, or asking us to confirm it: a how-to question beside it does not make it a how-to. */
const CANCEL_ORDER = re(
  [
    String.raw`${W}please (cancel|close|terminate|end)${E}`,
    String.raw`${W}(can|could|would|will) you (please |kindly )?(cancel|close|terminate|end)${E}`,
    String.raw`${W}(konnen|wurden|konnten) sie .{0,40}(kundigen|beenden|loschen)${E}`,
    String.raw`${W}(confirm|confirmation of) (the |my |our )?(cancell?ation|termination)${E}`,
    String.raw`${W}hiermit${E}`,
    String.raw`${W}hierbij${E}`,
    String.raw`${W}(bestatigen sie|bestatigung) (die |der |meiner |unserer )?kundigung${E}`,
    String.raw`${W}(confirm\w*) (la |el |o |a |de la |do |da )?(resiliation|cancelacion|cancelamento|disdetta|annulation|baja)${E}`,
    String.raw`${W}(veuillez|merci de) (resilier|annuler|fermer)${E}`,
    String.raw`${W}(por favor,? )?(cancelen|cancelem|cancele|cancela|anulen)${E}`,
    String.raw`${W}(annullate|disdite|cancellate|chiudete)${E}`,
    String.raw`${W}(bevestig\w*) (de |mijn |onze )?opzegging${E}`,
  ].join('|'),
);

/** A request to end the customer's subscription or account, not a question about how one would. */
export function asksToCancel(normalized: string): boolean {
  if (!CANCEL_INTENT.test(normalized)) return false;
  return CANCEL_ORDER.test(normalized) || !HOW_TO.test(normalized);
}

/** Something is down, broken or unreachable, in the ways people and monitoring say so. */
const DOWN = re(
  [
    String.raw`${W}outage${E}`,
    String.raw`${W}(seems|seem|appears|appear) to be (completely |totally )?(down|offline|unreachable)${E}`,
    String.raw`${W}(platform|site|website|server|service|app|system|api|dashboard|shop|store|checkout|portal)s? (is |are |went |goes )?(completely |totally )?(down|offline)${E}`,
    String.raw`${W}(is|are|has been|have been|went|gone|been|keeps going|still)\s+(completely |totally |all |entirely )?(down|offline|unreachable|unavailable|inaccessible|unresponsive)${E}`,
    String.raw`${W}(down|offline|unreachable|unavailable|inaccessible) (since|for (the (last|past) )?\d+|all (day|morning|night))${E}`,
    String.raw`${W}(returning|returns|throwing|throws) (an? |the )?(error|errors|50\d|5xx|timeouts?|blank page)${E}`,
    String.raw`${W}(error|errors|http) 50\d${E}`,
    String.raw`${W}(stopped|stop) (working|loading|responding|sending|syncing)${E}`,
    // Many affected at once: "stopped for all 40 drivers", "none of our calendars are syncing".
    String.raw`${W}(stopped|failing|broken|down)( \w+)? for (all|every|everyone|each)${E}`,
    String.raw`${W}(none|all|every one|each) of (our|my) (\d+ )?[\p{L}']+ .{0,40}(sync\w*|work\w*|load\w*|send\w*|arriv\w*|respond\w*|reachable|accessible|online|log ?in|sign in|access|connect|book|order|pay)${E}`,
    String.raw`${W}(not|no longer|won't|wont|doesn't|does not|don't|do not) (load|loading|respond|responding|work|working|open|opening) for (anyone|everyone|all|any of)${E}`,
    String.raw`${W}(ist|sind|seit)\s+(.{0,30}\s)?(down|offline|ausgefallen|nicht (mehr )?erreichbar|tot)${E}`,
    String.raw`${W}(ausfall|storung|totalausfall)\w*${E}`,
    String.raw`${W}(en panne|hors service|hors ligne|inaccessible|indisponible|ne (repond|fonctionne|marche|charge) plus)${E}`,
    String.raw`${W}(panne|coupure)s?${E}`,
    String.raw`${W}(caid[oa]s?|fuera de servicio|inaccesibles?|no (carga|funciona|responde) (nada|para nadie))${E}`,
    String.raw`${W}(fuori servizio|irraggiungibil[ei]|non raggiungibil[ei]|disservizio|non (funziona|carica|risponde) piu)${E}`,
    String.raw`${W}(fora do ar|inacessive(l|is)|indisponive(l|is)|caiu|(nao|parou de) (funciona|carrega)\w*)${E}`,
    String.raw`${W}(ligt|liggen) (eruit|plat)${E}`,
    String.raw`${W}(onbereikbaar|niet (meer )?bereikbaar|(een|de|grote) storing)${E}`,
  ].join('|'),
);
const DOWN_JA = /ダウン|繋がりません|つながりません|アクセスできません|障害|停止して|表示されません/u;

/** What it costs: the customer's own customers cannot act, money or business is lost, it is critical. */
const IMPACT = re(
  [
    String.raw`${W}(losing|lose|lost|loosing)\s+(\w+\s+){0,2}(money|business|customers|clients|patients|sales|orders|bookings|revenue|thousands|hundreds|reservations|leads|traffic)${E}`,
    String.raw`${W}(customers|clients|patients|users|guests|students|visitors|buyers|shoppers|members|restaurants|shops|stores|buyers)\s+(\w+\s+){0,2}(can't|cannot|can not|are unable to|unable to|can no longer|aren't able to|are not able to|couldn't)${E}`,
    String.raw`${W}(business[- ]critical|mission[- ]critical|critical|production|peak|busiest|every (hour|minute)|per hour|costing|cost us|real money|penalty|revenue|black friday|immediately|right now)${E}`,
    String.raw`${W}(our|my) (customers|clients|patients|users|guests|students|shop|store|business)${E}`,
    String.raw`${W}(umsatz|verlust\w*|verlieren|unsere (kunden|patienten|nutzer|gaste)|geschaftskritisch|kritisch)${E}`,
    String.raw`${W}(perd(ons|re|u)|nos clients|nos patients|chiffre d'affaires|critique)${E}`,
    String.raw`${W}(perdiendo|perdemos|nuestros (clientes|pacientes|usuarios)|critico)${E}`,
    String.raw`${W}(perdendo|perdiamo|i nostri clienti|i nostri pazienti|fatturato|critico)${E}`,
    String.raw`${W}(perdendo|perdemos|nossos clientes|nossos pacientes|faturamento|critico)${E}`,
    String.raw`${W}(omzet|verlies|verliezen|onze klanten|onze patienten|bedrijfskritisch|kritiek)${E}`,
  ].join('|'),
);
const IMPACT_JA = /売上|損失|損害|お客様が|顧客が|業務に支障|至急|緊急/u;

// Planned work asked about ("is the server down for maintenance tonight?") is a question the status article answers.
const MAINTENANCE = re(
  String.raw`${W}(maintenance|scheduled|planned|wartung\w*|geplant\w*|mantenimiento|manutenzione|manutencao|onderhoud)${E}|メンテナンス`,
);

/** An outage that hurts a business: both signals, each said its own way. */
export function reportsOutage(normalized: string, original: string): boolean {
  if (MAINTENANCE.test(normalized) && /[?？]/.test(original)) return false;
  return (
    (DOWN.test(normalized) || DOWN_JA.test(original)) && (IMPACT.test(normalized) || IMPACT_JA.test(original))
  );
}

// Who can take a card payment back: the bank, the card company, the payment provider.
const PAYER =
  String.raw`(bank|card issuer|issuer|card company|credit card( company)?|amex|american express|visa|mastercard|paypal|klarna|` +
  String.raw`kreditkart\w*|kartenanbieter|banque|carte( bancaire)?|banco|tarjeta|banca|carta di credito|cartao|creditcard\w*)`;
const REVERSED =
  String.raw`(revers\w*|disput\w*|fraud\w*|storn\w*|chargeback\w*|charged back|claw\w* back|clawback|as (fraud|fraudulent|unauthori[sz]ed)|fraudulent|unauthori[sz]ed|` +
  String.raw`(opened|filed|raised|eroffnet|ouvert|abierto|aperto|aberto|abri|geopend) (a |an |einen |un |una |um |uma |een )?(claim|case|dispute|fall|litige|reclamacion|disputa|reclamo|contestazione|contestacao|geschil)|` +
  String.raw`(devuel|devol)\w* (el |los |la )?(recibo|cargo|cobro|pago)s?|zuruckgebucht|zuruckgeholt|zuruckbuch\w*|zuruckgeb\w*|zuruckgefordert|widersproch\w*|widerspruch|storniert|` +
  String.raw`contest\w*|oppos\w*|revert\w*|retrocedi\w*|contracargo|stornat\w*|stornare|disconosc\w*|estorn\w*|` +
  String.raw`teruggeboekt|teruggedraaid|terugboek\w*|gestorneerd|storneren|betwist\w*)`;

/** The bank or card company has taken, or is asked to take, a payment back (either word order). */
const PAYMENT_REVERSAL = re(
  String.raw`${W}${PAYER}${E}.{0,80}${W}${REVERSED}${E}|${W}${REVERSED}${E}.{0,60}${W}(with|via|through|by|on|bei|von|auf|par|aupres de|sur|con|en|por|tramite|sul|sulla|da|com|pelo|pela|no|na|via|bij|door|op) (my|our|the|meiner|unserer|der|ma|notre|la|mi|nuestro|el|la mia|il mio|o meu|meu|mijn|onze|de)?\s*${PAYER}${E}`,
);

export function reportsPaymentReversal(normalized: string): boolean {
  return PAYMENT_REVERSAL.test(normalized);
}

/**
 * A legal letter's shape: someone acting for a client, or a deadline, joined to what happens after it (proceedings,
 * a court, a claim). Each alone is ordinary ("our client" in B2B mail, "within 14 days" about a delivery).
 */
const ACTING_FOR = re(
  String.raw`${W}(we act for|we represent|acting (for|on behalf of)|on behalf of (our|my) client|our client|im (auftrag|namen) (unserer|unseres|meiner|meines)|unser(e|er)? mandant\w*|notre client\w*|nous representons|pour le compte de|nuestr[oa] (cliente|representad[oa])|en representacion de|il nostro assistito|la nostra assistita|in nome e per conto|nosso cliente|nossa cliente|em nome de|onze client\w*|namens (onze|mijn) client\w*)${E}`,
);
const DEADLINE = re(
  String.raw`${W}(within|in the next) \d+ (days|working days|business days)|${W}(by|no later than) (the )?\d{1,2}(st|nd|rd|th)?[ ./]|innerhalb von \d+ (tagen|werktagen)|binnen \d+ (dagen|werkdagen)|(sous|dans un delai de) \d+ jours|(en un plazo de|dentro de) \d+ dias|entro \d+ giorni|(no prazo de|dentro de|em) \d+ dias|bis (zum|spatestens) \d`,
);
const CONSEQUENCE = re(
  String.raw`${W}(proceedings|court|litigation|judicial|solicitor\w*|(issue|file|bring|start)\w* (a )?claim|gericht\w*|klage|rechtlich\w*|justice|tribunal\w*|judiciaire|juridique|juridic[oa]|tribunales|juzgado|giudizi\w*|tribunale|justica|juridisch\w*|rechter|rechtbank|rechtszaak|dagvaarding)${E}`,
);

export function isLegalLetter(normalized: string): boolean {
  return (ACTING_FOR.test(normalized) || DEADLINE.test(normalized)) && CONSEQUENCE.test(normalized);
}
