// Rules deciding an email must go to a person (asked for one, legal or regulatory threat, chargeback, partnership,
// cancellation, big refund, an outage hurting a business, anger) in the languages we answer in; pure.
import { anyPhrase, compileAll, normalize, scorePhrases } from './keyword-match.ts';
import { asksToCancel, isLegalLetter, reportsOutage, reportsPaymentReversal } from './needs-human-shapes.ts';
import type { HumanReason } from '../../../schemas/email.ts';

export interface NeedsHumanOptions {
  /** Refund requests above this amount (any currency, compared as numbers) go to a person. Default 100. */
  refundLimit?: number;
  /** Negative-tone score at or above which a person answers. Default 4. */
  negativeThreshold?: number;
}

export const DEFAULT_REFUND_LIMIT = 100;
export const DEFAULT_NEGATIVE_THRESHOLD = 4;

const HUMAN_REQUEST = compileAll([
  ['speak to a human', 1],
  ['talk to a human', 1],
  ['speak with a human', 1],
  ['talk with a human', 1],
  ['a real person', 1],
  ['a real human', 1],
  ['an actual person', 1],
  ['an actual human', 1],
  ['a human being', 1],
  ['a live person', 1],
  ['a live agent', 1],
  ['a human agent', 1],
  ['not a bot', 1],
  ['not a robot', 1],
  ['speak to someone', 1],
  ['talk to someone', 1],
  ['speak with someone', 1],
  ['phone me', 1],
  ['give me a call', 1],
  ['ring me', 1],
  ['a manager', 1],
  ['your manager', 1],
  ['the manager', 1],
  ['your supervisor', 1],
  ['a supervisor', 1],
  ['escalate this', 1],
  ['mit einem menschen', 1],
  ['einen menschen', 1],
  ['echten menschen', 1],
  ['einem mitarbeiter', 1],
  ['rufen sie mich', 1],
  ['ruckruf', 1],
  ['vorgesetzten', 1],
  ['une vraie personne', 1],
  ['un humain', 1],
  ['un etre humain', 1],
  ["parler a quelqu'un", 1],
  ['appelez-moi', 1],
  ['appelez moi', 1],
  ['rappelez-moi', 1],
  ['rappelez moi', 1],
  ['un responsable', 1],
  ['una persona real', 1],
  ['hablar con una persona', 1],
  ['hablar con alguien', 1],
  ['llamenme', 1],
  ['llamame', 1],
  ['un supervisor', 1],
  ['el gerente', 1],
  ['un gerente', 1],
  ['speak to a person', 1],
  ['talk to a person', 1],
  ['speak with a person', 1],
  ['telephone me', 1],
  ['on the phone', 1],
  ['over the phone', 1],
  ['account executive', 1],
  ['sales rep*', 1],
  ['a call with', 1],
  ['schedule a call', 1],
  ['put me in touch', 1],
  ['connect me with', 1],
  ['telefonieren', 1],
  ['telefonisch', 1],
  ['telefonicamente', 1],
  ['a human agent', 1],
  ['need an agent', 1],
  ['want an agent', 1],
  ['bot answers', 1],
  ['bot replies', 1],
  ['rufen sie mich an', 1],
  ['me rappeler', 1],
  ['par telephone', 1],
  ['mettre en relation', 1],
  ['llamadme', 1],
  ['por telefono', 1],
  ['chiamatemi', 1],
  ['mi chiami', 1],
  ['per telefono', 1],
  ['telefonarmi', 1],
  ['un operatore', 1],
  ['me liguem', 1],
  ['ligar para mim', 1],
  ['por telefone', 1],
  ['um atendente', 1],
  ['bel mij', 1],
  ['bel me', 1],
  ['terugbellen', 1],
  ['telefonisch contact', 1],
  ['een medewerker', 1],
]);

// "call me" only when it asks for a call ("call me back", "call me on 0123..."), not "call me old-fashioned".
const CALL_ME =
  /(?<![\p{L}])call me(?: back| at| on| asap| today| tomorrow| now| please| urgently|\s*[+(]?\d|\s*[.!]|\s*$)/mu;

// Asking to be phoned, in each language's own construction ("können Sie mich zurückrufen", "me puede llamar",
// "alguém pode me ligar", "kan iemand mij bellen"); "me llamo" and "mi chiamo" (my name is) are not among them.
const CALL_BACK = new RegExp(
  [
    String.raw`(?<![\p{L}])(ring|phone|telephone) (me|us)(?![\p{L}])`,
    String.raw`(?<![\p{L}])call (us|me) back(?![\p{L}])`,
    String.raw`(?<![\p{L}])(a |your )?(phone|telephone) number (i|we) (can|could) (call|ring|reach)`,
    String.raw`(?<![\p{L}])(zuruckrufen|(mich|uns) (bitte |heute |morgen |kurz )*(an|zuruck)rufen)(?![\p{L}])`,
    String.raw`(?<![\p{L}])(me|nous) (telephoner|appeler|rappeler|recontacter par telephone)(?![\p{L}])|(?<![\p{L}])m'appeler(?![\p{L}])`,
    String.raw`(?<![\p{L}])(llamarme|llameme|llamarnos|me (puede|pueden|podria|podrian|podeis) llamar|que me llamen?)(?![\p{L}])`,
    String.raw`(?<![\p{L}])(chiamarmi|telefonarmi|richiamarmi|mi (chiami|chiamate|richiami|richiamate|telefoni|telefonate)|una (chiamata|telefonata) da)(?![\p{L}])`,
    String.raw`(?<![\p{L}])(me ligar|me liguem|me ligue|ligar-me|ligue-me|liguem-me|me telefonar|telefonar-me|me retornar por telefone)(?![\p{L}])`,
    String.raw`(?<![\p{L}])((mij|me|ons) (even |graag |vandaag |morgen )*(bellen|opbellen|terugbellen))(?![\p{L}])`,
  ].join('|'),
  'u',
);

// Asking for a person in any word order: a verb of talking, a person, optionally "real" ("talk with somebody from
// your team", "hablar con alguien de atención al cliente", "met een medewerker spreken"); "human error" is not one.
const ASKS_FOR_PERSON = new RegExp(
  [
    String.raw`(?<![\p{L}])(speak|talk|chat|deal|discuss this)\s+(to|with)\s+(a |an |some |one of your )?(real |actual |live |human |proper )?(human|person|people|someone|somebody|agent|representative|rep|employee|member of (your )?(staff|team)|colleague|engineer|specialist)(?![\p{L}])`,
    String.raw`(?<![\p{L}])(have|get|let|ask|need|want|would like|like) (somebody|someone|a person|an engineer|a human) (from|on|in|of) (your|the) (team|staff|support|sales)`,
    String.raw`(?<![\p{L}])(escalat\w*)\s+(this|it|my|our|the)?\s*(\w+\s+)?(to|with)\s+(a|an|the|your|someone|somebody)(?![\p{L}])`,
    String.raw`(?<![\p{L}])(please |kindly )escalate(?![\p{L}])`,
    String.raw`(?<![\p{L}])(no|not|never|kein\w*|pas|ni|non|nao|geen)\s+(another |more |weitere |encore une )?(automated|automatic|canned|bot|robot|ki|automatisch\w*|automatique|automatica|automatico|automatizada)\s*(reply|replies|response|answer|antwort|reponse|respuesta|risposta|resposta|antwoord)?`,
    String.raw`(?<![\p{L}])(mit|einem|einer) (echten |richtigen )?(menschen|mitarbeiter\w*|person|ansprechpartner\w*) (sprechen|reden|telefonieren)(?![\p{L}])`,
    String.raw`(?<![\p{L}])parler (a|avec) (une? |quelqu'un|un conseiller|une conseillere|un agent)`,
    String.raw`(?<![\p{L}])(contacte|contacten|atienda|atiendan|llame|llamen) (una persona|alguien|un agente|un humano)`,
    String.raw`(?<![\p{L}])hablar con (una persona|alguien|un agente|un humano|un asesor|una asesora|un representante|un responsable)`,
    String.raw`(?<![\p{L}])parlare con (una persona|qualcuno|un operatore|un'operatrice|un essere umano|un responsabile|un consulente)`,
    String.raw`(?<![\p{L}])falar com (uma pessoa|alguem|um atendente|uma atendente|um humano|um responsavel|um consultor)`,
    String.raw`(?<![\p{L}])(spreken|praten|bellen) met (een )?(mens|persoon|medewerker|iemand)|(iemand|een medewerker|een mens) (spreken|aan de lijn)(?![\p{L}])`,
  ].join('|'),
  'u',
);

// Milder Japanese displeasure: one is a complaint an article may answer, two together are anger.
const JA_DISPLEASURE =
  /ひどい|酷い|がっかり|二度と(使|利用|買|頼)|信じられません|信じられない|ありえない|あり得ない|不誠実|いい加減|(返事|返信|回答|連絡)が(ありません|ない|来ません)|何度(も)?(問い合わせ|連絡|メール)/gu;

// Japanese requests to end the contract ("解約をお願いします"); asking how ("解約方法を教えて") is answered from the article.
const JA_CANCEL = /(解約|退会)(手続き)?(を|の手続きを)?(お願い|してください|して下さい|いたします|します。)/u;

const LEGAL = compileAll([
  ['lawyer*', 1],
  ['attorney*', 1],
  ['sue', 1],
  ['suing', 1],
  ['lawsuit', 1],
  ['legal action', 1],
  ['legal steps', 1],
  ['legal proceedings', 1],
  ['take you to court', 1],
  ['small claims', 1],
  ['gdpr complaint', 1],
  ['complaint with the data protection', 1],
  ['data protection authority', 1],
  ['ico complaint', 1],
  ['consumer protection', 1],
  ['trading standards', 1],
  ['anwalt', 1],
  ['rechtsanwalt', 1],
  ['anwaltin', 1],
  ['verklagen', 1],
  ['klage', 1],
  ['rechtliche schritte', 1],
  ['gerichtlich', 1],
  ['datenschutzbehorde', 1],
  ['verbraucherzentrale', 1],
  ['avocat', 1],
  ['poursuites', 1],
  ['en justice', 1],
  ['tribunal', 1],
  ['cnil', 1],
  ['abogado', 1],
  ['demandar', 1],
  ['demanda judicial', 1],
  ['acciones legales', 1],
  ['medidas legales', 1],
  ['denuncia', 1],
  ['denunciar*', 1],
  ['legal remed*', 1],
  ['legal claim', 1],
  ['collective claim', 1],
  ['class action', 1],
  ['dmca', 1],
  ['copyright infringement', 1],
  ['copyrighted', 1],
  ['regulator', 1],
  ['ombudsman', 1],
  ['consumer protection authority', 1],
  ['data protection regulator', 1],
  ['supervisory authority', 1],
  ['abmahnung', 1],
  ['mandant', 1],
  ['mandantin', 1],
  ['klage erheben', 1],
  ['gerichtliche schritte', 1],
  ['aufsichtsbehorde', 1],
  ['urheberrecht*', 1],
  ['mise en demeure', 1],
  ['avocate', 1],
  ['action en justice', 1],
  ['je saisirai', 1],
  ['juicio', 1],
  ['oficina del consumidor', 1],
  ['diffida', 1],
  ['diffido', 1],
  ['avvocato', 1],
  ['avv.', 1],
  ['vie legali', 1],
  ['azione legale', 1],
  ['garante della privacy', 1],
  ['advogado', 1],
  ['acao judicial', 1],
  ['notificacao extrajudicial', 1],
  ['procon', 1],
  ['processar', 1],
  ['advocaat', 1],
  ['jurist', 1],
  ['juriste', 1],
  ['juristen', 1],
  ['rechtsbijstand', 1],
  ['rechtsschutz*', 1],
  ['protection juridique', 1],
  ['mio legale', 1],
  ['nostro legale', 1],
  ['asesor legal', 1],
  ['asesoria juridica', 1],
  ['rechtszaak', 1],
  ['juridische stappen', 1],
  ['ingebrekestelling', 1],
  ['autoriteit persoonsgegevens', 1],
  // The steps formal letters announce, in each language (a firm's name in a signature is no threat).
  ['letter before action', 1],
  ['letter before claim', 1],
  ['pre-action', 1],
  ['issue proceedings', 1],
  ['court proceedings', 1],
  ['proceedings against', 1],
  ['your legal department', 1],
  ['litigation', 1],
  ['without prejudice', 1],
  ['formal complaint', 1],
  ['rechtsabteilung', 1],
  ['mahnbescheid', 1],
  ['gerichtsverfahren', 1],
  ['service juridique', 1],
  ['contentieux', 1],
  ['huissier', 1],
  ['dgccrf', 1],
  ['porter plainte', 1],
  ['porte plainte', 1],
  ['departamento legal', 1],
  ['departamento juridico', 1],
  ['via judicial', 1],
  ['burofax', 1],
  ['tribunales', 1],
  ['ufficio legale', 1],
  ['messa in mora', 1],
  ['decreto ingiuntivo', 1],
  ['tribunale', 1],
  ['processo judicial', 1],
  ['juizado', 1],
  ['juridische afdeling', 1],
  ['deurwaarder', 1],
  ['sommatie', 1],
  ['dagvaarding', 1],
  ['rechtbank', 1],
]);

// Threats to go to a regulator or a court, said about a complaint rather than named in a question.
// Consumer bodies people threaten to go to, by country: a complaint there is a step a person must answer.
const CONSUMER_BODY = compileAll([
  ['better business bureau', 1],
  ['citizens advice', 1],
  ['cfpb', 1],
  ['attorney general', 1],
  ['deco', 1],
  ['livro de reclamacoes', 1],
  ['ufc-que choisir', 1],
  ['que choisir', 1],
  ['facua', 1],
  ['consumentenbond', 1],
  ['geschillencommissie', 1],
  ['altroconsumo', 1],
  ['codacons', 1],
  ['agcm', 1],
  ['schlichtungsstelle', 1],
  ['hoja de reclamaciones', 1],
  ['libro de reclamaciones', 1],
]);
// Starting a lawsuit, said with the verb each language uses ("avançar com um processo", "intentar una demanda").
const SUING =
  /(?<![\p{L}])((acionar|recorrer|entrar|ir|procurar)( a| na| para a)? justica|acionar judicialmente|(avancar|entrar|abrir|mover|intentar) (com |con )?(um |uma |una )?(processo|acao|demanda)|fare causa|faro causa|intentare causa|een (rechts)?zaak (beginnen|aanspannen)|vor gericht (gehen|ziehen)|saisir la justice)(?![\p{L}])/u;

const REGULATOR_THREAT =
  /(complain|complaint|report|escalate|notify|notifying)\w*\b.{0,60}\b(regulator|authority|authorities|ico|cnil|ftc|ombudsman|commissioner)\b|beschwerde\b.{0,60}\b(behorde|datenschutz)|plainte\b.{0,60}\b(cnil|autorite)|reclamacion\b.{0,60}\b(aepd|autoridad)|reclamo\b.{0,60}\b(garante|autorita)/u;

// Chargebacks and payment disputes: with a bank, a card company or a payment provider.
const CHARGEBACK = compileAll([
  ['chargeback*', 1],
  ['charge back', 1],
  ['charged back', 1],
  ['filed a dispute', 1],
  ['opened a dispute', 1],
  ['raised a dispute', 1],
  ['disputed the charge', 1],
  ['disputed the payment', 1],
  ['dispute the charge', 1],
  ['reverse the charge', 1],
  ['reverse the payment', 1],
  ['rucklastschrift', 1],
  ['ruckbuchung', 1],
  ['lastschrift zuruck*', 1],
  ['lastschrift bei meiner bank zuruck*', 1],
  ['retrofacturation', 1],
  ['opposition bancaire', 1],
  ['fait opposition', 1],
  ['faire opposition', 1],
  ['buyer protection', 1],
  ['kauferschutz*', 1],
  ['contester le prelevement', 1],
  ['contracargo', 1],
  ['disputa con mi banco', 1],
  ['contestazione', 1],
  ['stornare', 1],
  ['estorno', 1],
  ['contestacao', 1],
  ['terugboeking', 1],
  ['teruggeboekt', 1],
  ['storneren', 1],
  ['gestorneerd', 1],
]);
// "I have asked my bank to reverse..." / "ich habe die Lastschrift ... zurückgeben lassen".
const BANK_REVERSAL =
  /(asked|told|contacted) my (bank|card (company|issuer)|credit card company)\b.{0,40}\b(reverse|refund|cancel|block)|lastschrift\b.{0,60}\bzuruck(geben|gegeben|buchen)/u;

// Partnerships, resellers, distributors and sponsorships: business development, not support.
const PARTNERSHIP = compileAll([
  ['partnership*', 1],
  ['partner program*', 1],
  ['reseller*', 1],
  ['resell', 1],
  ['distributor*', 1],
  ['white-label', 1],
  ['white label', 1],
  ['sponsorship', 1],
  ['affiliate program*', 1],
  ['co-marketing', 1],
  ['revenue share', 1],
  ['revenue-share', 1],
  ['business development', 1],
  ['partnerschaft', 1],
  ['vertriebspartner', 1],
  ['wiederverkaufer', 1],
  ['partenariat*', 1],
  ['revendeur', 1],
  ['distributeur', 1],
  ['alianza comercial', 1],
  ['distribuidor', 1],
  ['revendedor*', 1],
  ['revendeur*', 1],
  ['rivendit*', 1],
  ['wederverkop*', 1],
  ['partner program*', 1],
  ['partnerprogramm*', 1],
  ['become partners', 1],
  ['become a partner', 1],
  ['become your partner', 1],
  ['as partners', 1],
  ['as a partner', 1],
  ['partner with you', 1],
  ['partner commercial*', 1],
  ['partenaire commercial', 1],
  ['devenir partenaire', 1],
  ['devenir votre partenaire', 1],
  ['diventare partner', 1],
  ['diventare vostri partner', 1],
  ['ser parceiros', 1],
  ['partner worden', 1],
  ['eine kooperation', 1],
  ['eine zusammenarbeit', 1],
  ['collaborazione commerciale', 1],
  ['colaboracion comercial', 1],
  ['collaboration commerciale', 1],
  ['sell your products', 1],
  ['stock your products', 1],
  ['carry your brand', 1],
  ['ihre produkte verkaufen', 1],
  ['vendre vos produits', 1],
  ['vender sus productos', 1],
  ['vendere i vostri prodotti', 1],
  ['vender os seus produtos', 1],
  ['vender seus produtos', 1],
  ['uw producten verkopen', 1],
  ['rivenditore', 1],
  ['distributore', 1],
  ['parceri*', 1],
  ['partnerschap', 1],
  ['wederverkoper', 1],
]);

// Japanese has no word boundaries: its signals are matched as substrings.
const JA_SIGNALS: ReadonlyArray<readonly [HumanReason, RegExp]> = [
  // "ご担当者様" opens business letters: the person in charge is asked for only with a verb of talking or calling.
  [
    'human_requested',
    /担当者(の方|様)?(と|に|から|へ)(.{0,8})(話|相談|電話|連絡|代わ|繋|つな)|電話で|お電話|折り返し|人間(の|と)|オペレーター|電話(を|して|が)?(ください|下さい|いただけ|頂け|ほしい|欲しい)|((?<!\p{Script=Han})人|スタッフ|担当の方)(の方)?と(直接)?(話|相談)(したい|させて|できますか|せますか|がしたい|をしたい)/u,
  ],
  [
    'legal_threat',
    /弁護士|訴訟|法的(措置|手段|手続)|裁判|法務部|内容証明|消費(者|生活)(センター|庁)|個人情報保護委員会/u,
  ],
  ['chargeback', /チャージバック|異議申し立て|(カード会社|銀行).{0,20}(取り消し|取消|返金請求|不正利用)/u],
  ['partnership', /提携|代理店|パートナーシップ|販売(させて|代理)|取り扱わせて|卸(売|し)/u],
  ['negative_tone', /最悪|最低(の|です|だ|な)|詐欺|ふざけ|許せません|許せない|激怒|腹が立|頭にき/u],
];

const REFUND = compileAll([
  ['refund*', 1],
  ['money back', 1],
  ['dollars back', 1],
  ['euros back', 1],
  ['pounds back', 1],
  ['reimburse*', 1],
  ['chargeback', 1],
  ['ruckerstattung', 1],
  ['erstattung', 1],
  ['erstatten', 1],
  ['geld zuruck', 1],
  ['rembours*', 1],
  ['reembols*', 1],
  ['devolucion del dinero', 1],
  ['devuelvan el dinero', 1],
  ['devolver el dinero', 1],
  ['rimbors*', 1],
  ['soldi indietro', 1],
  ['dinheiro de volta', 1],
  ['devolucao do dinheiro', 1],
  ['devolvam o dinheiro', 1],
  ['terugbetal*', 1],
  ['terugstort*', 1],
  ['geld terug', 1],
  ['restitutie', 1],
]);

const NEGATIVE = compileAll([
  ['terrible', 2],
  ['awful', 2],
  ['horrible', 2],
  ['worst', 2],
  ['disgusting', 2],
  ['unacceptable', 2],
  ['ridiculous', 2],
  ['furious', 3],
  ['angry', 2],
  ['outraged', 3],
  ['scam', 3],
  ['fraud', 2],
  ['rip-off', 3],
  ['ripoff', 3],
  ['incompetent', 3],
  ['useless', 2],
  ['pathetic', 3],
  ['disgrace', 3],
  ['shame on you', 3],
  ['fed up', 2],
  ['sick of', 2],
  ['sick and tired', 3],
  ['never again', 2],
  ['hate', 2],
  ['a joke', 2],
  ['liars', 3],
  ['lied', 2],
  ['stealing', 3],
  ['thieves', 3],
  ['disappointed', 1],
  // Anger as each language says it, strong words 3 and milder ones 2 (two milder ones reach the threshold).
  ['livid', 3],
  ['unbelievable', 2],
  ['so done with', 3],
  ['indignad*', 3],
  ['tomadura de pelo', 3],
  ['disgraceful', 3],
  ['appalling', 3],
  ['outrageous', 3],
  ['atrocious', 3],
  ['abysmal', 3],
  ['fuming', 3],
  ['shambles', 3],
  ['so angry', 3],
  ['beyond frustrated', 3],
  ['shocking', 2],
  ['stinksauer', 3],
  ['saftladen', 3],
  ['eine zumutung', 3],
  ['miserabel', 3],
  ['eine schande', 3],
  ['lacherlich', 2],
  ['sauer', 2],
  ['keiner antwortet', 2],
  ['niemand antwortet', 2],
  ['en colere', 3],
  ['lamentable', 3],
  ['scandale', 3],
  ["j'en ai marre", 3],
  ['ras-le-bol', 3],
  ['personne ne repond', 2],
  ['harta', 2],
  ['cabread*', 3],
  ['impresentable', 3],
  ['nadie responde', 2],
  ['nadie contesta', 2],
  ['pessimo', 2],
  ['pessima', 2],
  ['vergognoso', 3],
  ['ridicolo', 2],
  ['schifo', 3],
  ['stufo', 2],
  ['stufa', 2],
  ['nessuno mi risponde', 2],
  ['que vergonha', 3],
  ['vergonha', 2],
  ['revoltad*', 3],
  ['inaceitavel', 3],
  ['palhacada', 3],
  ['ridiculo', 2],
  ['ninguem me responde', 2],
  ['woedend', 3],
  ['waardeloos', 3],
  ['belachelijk', 2],
  ['onacceptabel', 3],
  ['schande', 3],
  ['boos', 2],
  ['niemand reageert', 2],
  ['frustrated', 1],
  ['frustrating', 1],
  ['annoyed', 1],
  ['waste of', 2],
  ['still not', 1],
  ['no one', 1],
  ['nobody', 1],
  ['unverschamt*', 3],
  ['frechheit', 3],
  ['katastrophe', 2],
  ['schrecklich', 2],
  ['betrug', 3],
  ['abzocke', 3],
  ['inkompetent', 3],
  ['wutend', 3],
  ['enttauscht', 1],
  ['unzumutbar', 2],
  ['argerlich', 1],
  ['inadmissible', 3],
  ['inacceptable', 2],
  ['scandaleux', 3],
  ['honteux', 3],
  ['honte', 3],
  ['service nul', 2],
  ['arnaque', 3],
  ['furieux', 3],
  ['decu', 1],
  ['decue', 1],
  ['incompetent*', 2],
  ['inaceptable', 2],
  ['vergonzoso', 3],
  ['una verguenza', 3],
  ['estafa', 3],
  ['pesimo', 2],
  ['furioso', 3],
  ['harto', 2],
  ['indignante', 3],
  ['decepcionado', 1],
  ['garbage', 3],
  ['wasted hours', 2],
  ['canned', 1],
  ['estafador*', 3],
  ['es una verguenza', 3],
  ['nadie me contesta', 2],
  ['resenas negativas', 2],
  ['absurdo', 3],
  ['furiosa', 3],
  ['ninguem responde', 2],
  ['vou denunciar', 2],
  ['reclame aqui', 2],
  ['vergogn*', 3],
  ['truff*', 3],
  ['inaccettabile', 3],
  ['nessuno risponde', 2],
  ['schandalig', 3],
  ['spuugzat', 3],
  ['niemand doet iets', 2],
  ['slechte review', 2],
  ['oplicht*', 3],
  ['klaar mee', 2],
  ['telling everyone', 2],
  ['nobody answered', 2],
  ['no reply', 1],
  ['negative reviews', 2],
]);

export interface MoneyAmount {
  amount: number;
  currency: string;
  raw: string;
}

const CURRENCY_BY_SYMBOL: Readonly<Record<string, string>> = { $: 'USD', '€': 'EUR', '£': 'GBP' };
// Grouped thousands first, then plain digits; the lookahead stops "$1200" being read as "$120".
const NUMBER = String.raw`\d{1,3}(?:[.,']\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+(?:[.,]\d{1,2})?(?!\d)`;
const SYMBOL_FIRST = new RegExp(String.raw`([$€£])\s?(${NUMBER})`, 'g');
const CODE_FIRST = new RegExp(String.raw`\b(USD|EUR|GBP|CHF)\s?(${NUMBER})`, 'gi');
const AMOUNT_FIRST = new RegExp(
  String.raw`(?<![\d.,])(${NUMBER})\s?(€|\$|£|eur\b|euros?\b|usd\b|dollars?\b|gbp\b|pounds?\b|chf\b|ユーロ|ドル)`,
  'gi',
);

/** "1,200.50" -> 1200.5, "1.200,50" -> 1200.5, "45" -> 45, "300,5" -> 300.5; a 3-digit group is thousands. */
export function parseNumber(raw: string): number {
  const s = raw.replace(/'/g, '');
  const lastSep = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  if (lastSep < 0) return Number(s);
  const decimals = s.length - lastSep - 1;
  if (decimals === 3) return Number(s.replace(/[.,]/g, ''));
  return Number(`${s.slice(0, lastSep).replace(/[.,]/g, '')}.${s.slice(lastSep + 1)}`);
}

function currencyCode(token: string): string {
  const t = token.toLowerCase();
  if (t in CURRENCY_BY_SYMBOL) return CURRENCY_BY_SYMBOL[t] ?? t.toUpperCase();
  if (t.startsWith('euro') || t === 'eur' || t === '€' || t === 'ユーロ') return 'EUR';
  if (t.startsWith('dollar') || t === 'usd' || t === 'ドル') return 'USD';
  if (t.startsWith('pound') || t === 'gbp') return 'GBP';
  return t.toUpperCase();
}

/** Money amounts written with a currency ($1,200.50, 300 EUR, €45, 12,99 €). Bare numbers are not money. */
export function parseMoneyAmounts(text: string): MoneyAmount[] {
  const sample = text.slice(0, 20_000);
  const out: MoneyAmount[] = [];
  for (const m of sample.matchAll(SYMBOL_FIRST)) {
    out.push({ amount: parseNumber(m[2] ?? ''), currency: currencyCode(m[1] ?? ''), raw: m[0] });
  }
  for (const m of sample.matchAll(CODE_FIRST)) {
    out.push({ amount: parseNumber(m[2] ?? ''), currency: currencyCode(m[1] ?? ''), raw: m[0] });
  }
  for (const m of sample.matchAll(AMOUNT_FIRST)) {
    out.push({ amount: parseNumber(m[1] ?? ''), currency: currencyCode(m[2] ?? ''), raw: m[0] });
  }
  return out.filter((a) => Number.isFinite(a.amount));
}

/** Anger score: weighted negative words, plus shouting (several all-caps words) and "!!!". */
export function negativeScore(text: string): number {
  const sample = text.slice(0, 20_000);
  let score = scorePhrases(normalize(sample), NEGATIVE).score;
  const shouted =
    sample
      .match(/\b[A-Z]{3,}\b/g)
      ?.filter(
        (w) =>
          !/^(API|SSO|SLA|USD|EUR|GBP|PDF|CSV|URL|HTTP|HTTPS|SMTP|DNS|SSL|VAT|GDPR|CEO|CTO|SAML|ASAP|FAQ)$/.test(
            w,
          ),
      ).length ?? 0;
  if (shouted >= 3) score += 2;
  if (/[!?]{3,}/.test(sample)) score += 1;
  return score;
}

export interface NeedsHumanResult {
  needsHuman: boolean;
  humanReasons: HumanReason[];
}

/** Every rule that fires is recorded, in a stable order, so an escalation can say why. */
export function assessNeedsHuman(
  subject: string,
  body: string,
  opts: NeedsHumanOptions = {},
): NeedsHumanResult {
  const whole = `${subject}\n${body.slice(0, 20_000)}`;
  const n = normalize(whole);
  const reasons: HumanReason[] = [];
  if (
    anyPhrase(n, HUMAN_REQUEST) !== undefined ||
    CALL_ME.test(n) ||
    CALL_BACK.test(n) ||
    ASKS_FOR_PERSON.test(n)
  )
    reasons.push('human_requested');
  const ja = new Set(JA_SIGNALS.filter(([, re]) => re.test(whole)).map(([r]) => r));
  if (ja.has('human_requested') && !reasons.includes('human_requested')) reasons.push('human_requested');
  if (
    anyPhrase(n, LEGAL) !== undefined ||
    REGULATOR_THREAT.test(n) ||
    isLegalLetter(n) ||
    anyPhrase(n, CONSUMER_BODY) !== undefined ||
    SUING.test(n) ||
    ja.has('legal_threat')
  )
    reasons.push('legal_threat');
  if (
    anyPhrase(n, CHARGEBACK) !== undefined ||
    BANK_REVERSAL.test(n) ||
    reportsPaymentReversal(n) ||
    ja.has('chargeback')
  )
    reasons.push('chargeback');
  if (anyPhrase(n, PARTNERSHIP) !== undefined || ja.has('partnership')) reasons.push('partnership');
  // Two signals together: something is down for many, and the business is hurt by it.
  if (reportsOutage(n, whole)) reasons.push('outage');
  if (asksToCancel(n) || JA_CANCEL.test(whole)) reasons.push('cancellation');
  if (anyPhrase(n, REFUND) !== undefined || /返金|払い戻し/u.test(whole)) {
    const limit = opts.refundLimit ?? DEFAULT_REFUND_LIMIT;
    if (parseMoneyAmounts(whole).some((a) => a.amount > limit)) reasons.push('refund_over_limit');
  }
  if (
    negativeScore(whole) >= (opts.negativeThreshold ?? DEFAULT_NEGATIVE_THRESHOLD) ||
    ja.has('negative_tone') ||
    (whole.match(JA_DISPLEASURE)?.length ?? 0) >= 2
  )
    reasons.push('negative_tone');
  return { needsHuman: reasons.length > 0, humanReasons: reasons };
}
