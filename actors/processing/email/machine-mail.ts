// Recognises mail written by machines that carries no header saying so: calendar responses, read receipts, ticket
// acknowledgements, newsletters and automated notifications, in the languages we answer in; pure, decides nothing else.
import type { NotAnswerableReason } from '../../../schemas/email.ts';
import { normalize } from './keyword-match.ts';

export interface MachineVerdict {
  reason: Extract<
    NotAnswerableReason,
    'calendar' | 'read_receipt' | 'ticket_ack' | 'newsletter' | 'notification' | 'auto_reply'
  >;
  detail: string;
}

// Calendar clients prefix the event's title with the response (Google, Outlook, Apple, in each language); some write
// the kind of item beside it ("Invito rifiutato:", "Invitation acceptée :", "Accepted invitation:").
const INVITE =
  /(invitation|invite|invito|einladung|convite|uitnodiging|invitacion|meeting|event|evento|termin)/u;
const CALENDAR_WORDS =
  /(accepted|declined|tentative(ly accepted)?|invitation|updated invitation|canceled event|cancelled event|event canceled|angenommen|abgelehnt|mit vorbehalt angenommen|vorbehaltlich|einladung|aktualisierte einladung|abgesagt|accepte|refuse|provisoire|invitation mise a jour|annule|aceptado|rechazado|provisional|invitacion|invitacion actualizada|cancelado|accettato|rifiutato|provvisorio|invito|invito aggiornato|annullato|aceito|aceite|recusado|convite|geaccepteerd|geweigerd|voorlopig|uitnodiging|bijgewerkte uitnodiging|geannuleerd|承諾|辞退|仮承諾|招待|更新された招待|accepted|accepte[es]?|refusee?s?|aceptad[oa]|rechazad[oa]|accettat[oa]|rifiutat[oa]|aceit[oa]|recusad[oa]|zugesagt|mit vorbehalt|onder voorbehoud|afgewezen|voorlopig geaccepteerd|new time proposed|neue zeit vorgeschlagen|nouvelle heure proposee|nueva hora propuesta|nuovo orario proposto|novo horario proposto|nieuwe tijd voorgesteld|not going|canceled|cancelled|cancelada|annullata|annulee|provisoria|provvisoria|招待状|出席|欠席|キャンセル)/u;
const CALENDAR_SUBJECT = new RegExp(
  String.raw`^\s*(?:${INVITE.source}\s+)?${CALENDAR_WORDS.source}(?:\s+${INVITE.source})?\s*[:：]`,
  'u',
);
// Google's subject ends with the time and the calendar's address: "Demo @ Wed Nov 12, 2026 3pm - 4pm (CET) (a@b.c)".
const CALENDAR_WHEN = /@ .{3,60}\d{1,2}(:\d{2})?\s*(am|pm|uhr|h)?\s*[-–].{1,40}\([^)]*\)/u;
const CALENDAR_BODY =
  /has (accepted|declined|tentatively accepted) (this|your|the) (invitation|meeting|event)|has invited you to (an? )?(event|meeting)|invitation from google calendar|(join|participer|partecipa|participar|deelnemen) (with|avec|a|con|com|via) google meet|hat sie zu .{0,60}eingeladen|vous a invite|(te|le|les) ha invitado|ti ha invitato|(te |lhe )?convidou (voce|voces)?|heeft (je|u) uitgenodigd|さんから(の)?招待|hat die einladung (angenommen|abgelehnt)|a (accepte|refuse) (cette|votre|l'?) ?invitation|ha (aceptado|rechazado) (esta|tu|su|la) invitacion|ha (accettato|rifiutato) (questo|il tuo|l'?) ?invito|(aceitou|recusou) o convite|heeft de uitnodiging (geaccepteerd|geweigerd)|招待を(承諾|辞退)しました/u;

const READ_SUBJECT =
  /^\s*((not|nicht|non) )?(read|read receipt|return receipt|gelesen|lesebestatigung|lu|confirmation de lecture|leido|confirmacion de lectura|letto|conferma di lettura|lido|lida|confirmacao de leitura|gelezen|leesbevestiging|開封済み|開封確認)\s*([:：]|$)/u;
const READ_BODY =
  /(was|has been) (read|displayed) on|receipt for the mail you sent|wurde (am .{0,40})?gelesen|a ete lu le|fue leido el|e stato letto il|foi lid[oa] em|is gelezen op|開封されました/u;

// "[Ticket 2231]", "[Request #88]", "[Demande n°7731]", "[Case #DM-20931]", "[GET-1093]" near an acknowledgement.
const TICKET_TAG =
  /[[【(（]\s*(ticket|request|case|incident|demande|anfrage|vorgang|caso|solicitud|richiesta|pedido|chamado|verzoek|melding|ref|受付番号|問い合わせ番号|お問い合わせ番号|チケット番号|管理番号)?\s*(#|n°|no\.?|nr\.?|id:?)?\s*[a-z]*-?\d{2,}\s*[\]】)）]/u;
const TICKET_BODY =
  /(ticket|request|case|message|reply|demande|anfrage|solicitud|richiesta|pedido|verzoek)\b.{0,40}\b(has been|was) (received|logged|created|added|opened|registered)|has been logged as ticket|(a bien ete|a ete) (recue|enregistree)|wurde (erfolgreich )?(erhalten|angelegt|registriert)|ha sido (recibida|registrada)|e stata (ricevuta|registrata)|foi (recebida|registrada)|is (ontvangen|geregistreerd)|(ticket|incident|case|melding|vorgang|chamado)\b.{0,40}\b(has been|is|wurde|foi|e stato|a ete) (created|opened|aangemaakt|geregistreerd|erstellt|angelegt|aberto|criado|aperto|cree)|受け付けました|受付いたしました|承りました/u;
// The help desk speaking in the active voice ("we have received your request", "hemos recibido su consulta"): a
// customer writes that too ("we received your invoice"), so it counts only beside a ticket tag or a ticket number.
const TICKET_ACTIVE =
  /\bwe('ve| have)? (received|logged|registered) your (request|message|e-?mail|enquiry|inquiry|ticket|question)|wir haben ihre (anfrage|nachricht|e-mail) erhalten|ist bei uns eingegangen|nous avons (bien )?recu votre (demande|message)|hemos recibido (su|tu) (consulta|solicitud|mensaje|correo|peticion)|abbiamo ricevuto (la )?(sua|tua) (richiesta|segnalazione|e-?mail|email)|recebemos (a |o )?(sua|seu|tua|teu) (solicitacao|mensagem|pedido|chamado|e-?mail)|wij hebben (uw|je) (vraag|bericht|verzoek|melding|e-?mail) ontvangen|uw (vraag|bericht|verzoek|melding) is ontvangen|お問い合わせを(受け付け|受付)/u;
const TICKET_NUMBER =
  /(ticket|case|request|incident|chamado|caso|vorgang|melding|solicitud|richiesta)[- ]?(number|nummer|numero|no\.?|nr\.?|id|#)|(number|nummer|numero|n\.|no\.) (do |de |del |di |van )?(ticket|caso|chamado|case|vorgang|melding|richiesta|solicitud)|ticketnummer|onder nummer|con el numero|con il numero|sotto il numero|unter der nummer|sous le numero|受付番号/u;

// What automated senders write at the bottom of a message.
const AUTOMATED =
  /this is an automated (message|notification|response|email|e-mail|acknowledg(e)?ment|reply)|please do not reply|do not reply to this (email|e-mail|message)|replies to this (address|email) are not monitored|this mailbox is not monitored|we can'?t provide support by email|you have received this (mandatory )?service announcement|automatisch (erstellte|generierte|versendete) (nachricht|e-mail)|bitte antworten sie nicht|message automatique|(merci|veuillez) de ne pas (y )?repondre|mensaje automatico|por favor,? no responda|messaggio automatico|(si prega di|per favore) non rispondere|mensagem automatica|por favor,? nao responda|automatisch (gegenereerd|verzonden) bericht|dit bericht niet beantwoorden|自動送信|返信しないで|返信できません|送信専用|配信専用|自動配信|このメールは自動|(this|the) (email|e-mail|message|notification) (was|has been|is) (sent|generated) automatically|automatically (generated|sent) (email|e-mail|message|notification)|this is a system(-generated)? (message|email|notification)|(sent|comes) from an? (unmonitored|unattended) (address|mailbox|inbox)|diese (e-mail|nachricht) wurde automatisch|ce (message|courriel|mail|e-mail) a ete (envoye|genere) automatiquement|ne pas repondre a ce|este (correo|mensaje|e-?mail) (ha sido|fue|se ha) (generado|enviado) automaticamente|no responda a este|questa (e-?mail|email|comunicazione|messaggio) e stat[ao] (generat|inviat)[ao] automaticamente|non rispondere a quest|este e-?mail foi (gerado|enviado) automaticamente|nao responda a este|dit is een automatisch|deze e-?mail is automatisch|niet op deze e-?mail (reageren|antwoorden)|(this|the) (message|email|e-mail|notification) was sent (to you )?(by|via) |do not reply( to this (e-?mail|message|notification))?\s*([.!]|$)/u;

const NEWSLETTER_BODY =
  /you('| a)re receiving this (email |e-mail |message )?because|you received this (email |e-mail )?because you (subscribed|signed up)|view (it |this email )?in (your )?browser|newsletter abbestellen|sie erhalten diese (e-mail|nachricht),? weil|vous recevez cet e-?mail|recibes este (correo|e-?mail)|ricevi questa (e-?mail|email)|voce (esta )?recebe(ndo)? este e-?mail|u ontvangt deze e-?mail omdat|配信停止/u;
const NEWSLETTER_SENDER =
  /^(news|newsletter|nieuwsbrief|digest|marketing|updates?|hello|info|mailings?)([-+_.].*)?$/;
const NEWSLETTER_SUBJECT = /newsletter|nieuwsbrief|digest|this week in|weekly|#\d+\s*:|ニュース/u;

// An out-of-office reply: the writer is away (first person or their office), and says until when or that mail waits.
const AWAY = new RegExp(
  [
    String.raw`\b(i am|i'm|i will be|i'll be|we are|we're|the office is|our office is|the school is|our offices are)\s+(currently |now )?(out of (the )?office|away|on (annual |parental |maternity |sick |study )?leave|on holiday|on vacation|travell?ing|off|closed|out|on site|abroad|on a business trip)\b`,
    String.raw`\b(ich bin|wir sind|unser (buro|team)|unsere (kanzlei|praxis)|die praxis)\s+(ist\s+)?(.{0,40}\s)?(nicht im (buro|haus)|im urlaub|abwesend|ausser haus|auf (geschafts)?reise|nicht erreichbar|geschlossen)\b`,
    String.raw`\b(je suis|nous sommes|le cabinet est|nos bureaux sont)\s+(actuellement )?(absente?s?|en conges?|en vacances|en deplacement|fermes?)\b`,
    String.raw`\b(estoy|estamos|la oficina esta)\s+(actualmente )?(fuera de la oficina|de vacaciones|ausentes?|de viaje|de permiso|cerrad[oa])\b`,
    String.raw`\b(sono|siamo|l'ufficio e)\s+(attualmente )?(fuori (ufficio|sede)|in ferie|assent[ei]|in vacanza|in viaggio|chius[oai])\b`,
    String.raw`\b(estou|estamos|o escritorio esta)\s+(atualmente |neste momento )?(de ferias|ausentes?|fora do escritorio|de licenca|em viagem|fechad[oa])\b`,
    String.raw`\b(ik ben|wij zijn|we zijn|het kantoor is)\s+(.{0,40}\s)?(afwezig|met vakantie|niet aanwezig|buiten kantoor|op reis|gesloten)\b`,
  ].join('|'),
  'u',
);
const AWAY_UNTIL = new RegExp(
  String.raw`\b(until|till|returning|back on|back monday|back next|i will (be )?(respond|reply|return|get back)|on my return|when i('m| am)? (get )?back|(no|limited) access to (my )?e-?mail|will not be (forwarded|read)|bis (zum|einschliesslich|ende)?|vom .{1,20} bis|nach meiner ruckkehr|nicht weitergeleitet|keinen zugriff|jusqu'(au|a)|a mon retour|des mon retour|hasta (el|mi)?|a (la|mi) (vuelta|regreso)|sin acceso|fino al?|al mio rientro|al rientro|ate (dia|ao|o)?|quando (eu )?voltar|no meu regresso|acesso limitado|tot (en met)?|na mijn terugkeer|leest (mijn|de) mail niet)\b`,
  'u',
);
const AWAY_JA =
  /(不在|出張中|休暇|お休み|外出).{0,40}(まで|以降|返信|ご連絡)|(まで|以降).{0,20}(不在|出張|休暇|お休み|外出)/u;

/** Out-of-office text: away plus until when, no question asked, short as such replies are. */
function isAwayNotice(body: string, original: string): boolean {
  if (body.length > 800 || /[?？]/.test(original)) return false;
  return (AWAY.test(body) && AWAY_UNTIL.test(body)) || AWAY_JA.test(original);
}

// An unsubscribe or preferences link on a line of its own: the footer a mailing tool writes.
const FOOTER_LINE =
  /^\s*[|•·-]?\s*(unsubscribe( here| now)?|manage (your )?(email )?preferences|update (your )?preferences|email preferences|abmelden|newsletter abbestellen|abbestellen|se desabonner|se desinscrire|desinscription|darse de baja|cancelar (la )?suscripcion|anular suscripcion|annulla (l')?iscrizione|cancella (l')?iscrizione|disiscriviti|cancelar (a )?inscricao|descadastrar|afmelden|uitschrijven|配信停止(はこちら)?|配信解除)\s*([|•·].*)?$/mu;
const FOOTER_EXTRA =
  /view (it |this email )?in (your )?browser|privacy policy|impressum|all rights reserved|©|\(c\) \d{4}|datenschutz|mentions legales|politica de privacidad|informativa (sulla )?privacy|politica de privacidade|privacyverklaring|preferences/u;
// Mailing tools send from their own subdomain or a list-like mailbox: news.example.com, blog@, digest@.
const BULK_DOMAIN =
  /^(news|newsletter|mail|mailer|email|e|em|info|marketing|mailing|updates?|send|campaigns?|nieuwsbrief|bulletin)\./;
const BULK_LOCAL =
  /^(news|newsletter|nieuwsbrief|digest|marketing|blog|updates?|mailings?|bulletin|noticias|nachrichten|nieuws)([-+_.].*)?$/;

/**
 * Whether this mail was written by a machine, judged from subject, new text, sender and Content-Type. Only the
 * signals machines leave; one word a customer might write ("unsubscribe", "read") is never enough on its own.
 */
export function recogniseMachineMail(
  subject: string,
  body: string,
  senderLocal: string,
  contentType: string,
  senderDomain = '',
): MachineVerdict | undefined {
  const s = normalize(subject).replace(/^\s*((re|aw|fw|fwd|wg|tr|rv|sv)\s*:\s*)+/, '');
  const b = normalize(body.slice(0, 5_000));
  if (
    /text\/calendar/i.test(contentType) ||
    CALENDAR_SUBJECT.test(s) ||
    CALENDAR_BODY.test(b) ||
    CALENDAR_WHEN.test(s)
  )
    return { reason: 'calendar', detail: `calendar response "${subject}"` };
  if (/report-type\s*=\s*"?disposition-notification/i.test(contentType))
    return { reason: 'read_receipt', detail: 'disposition-notification report' };
  if (READ_SUBJECT.test(s) && (READ_BODY.test(b) || b.trim().length < 300))
    return { reason: 'read_receipt', detail: `read receipt "${subject}"` };
  if (
    READ_BODY.test(b) &&
    /your message|ihre nachricht|votre message|su mensaje|il suo messaggio|sua mensagem|uw bericht/u.test(b)
  )
    return { reason: 'read_receipt', detail: 'read receipt text' };
  if (
    TICKET_BODY.test(b) &&
    (TICKET_TAG.test(s) ||
      AUTOMATED.test(b) ||
      /reference|referenz|reference|numero|nummer/u.test(b) ||
      // A bare number beside the receipt is the desk's ticket only when nothing is asked: a customer quoting
      // "my return request #1234 was received" goes on to ask.
      (/(#|n°|\()\s*[a-z]*-?\d{3,}/u.test(b) && !/[?？]/.test(b)))
  )
    return { reason: 'ticket_ack', detail: `ticket acknowledgement "${subject}"` };
  if (TICKET_ACTIVE.test(b) && (TICKET_TAG.test(s) || TICKET_NUMBER.test(b) || AUTOMATED.test(b)))
    return { reason: 'ticket_ack', detail: `help desk acknowledgement "${subject}"` };
  if (isAwayNotice(b, body.slice(0, 5_000)))
    return { reason: 'auto_reply', detail: `out-of-office text "${subject}"` };
  const local = senderLocal.toLowerCase();
  const bulkSender = BULK_LOCAL.test(local) || BULK_DOMAIN.test(senderDomain.toLowerCase());
  if (NEWSLETTER_BODY.test(b) || (NEWSLETTER_SENDER.test(local) && NEWSLETTER_SUBJECT.test(s)))
    return { reason: 'newsletter', detail: `newsletter "${subject}"` };
  // A footer line alone could be a customer's one-word mail; with a mailing tool's sender, or text above it, it is not.
  if (FOOTER_LINE.test(b) && (bulkSender || FOOTER_EXTRA.test(b)))
    return { reason: 'newsletter', detail: `unsubscribe footer "${subject}"` };
  if (AUTOMATED.test(b)) return { reason: 'notification', detail: 'automated notification text' };
  return undefined;
}
