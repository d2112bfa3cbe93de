// Recognises mail written by machines that carries no header saying so: calendar responses, read receipts, ticket
// acknowledgements, newsletters and automated notifications, in the languages we answer in; pure, decides nothing else.
import type { NotAnswerableReason } from '../../../schemas/email.ts';
import { normalize } from './keyword-match.ts';

export interface MachineVerdict {
  reason: Extract<
    NotAnswerableReason,
    'calendar' | 'read_receipt' | 'ticket_ack' | 'newsletter' | 'notification'
  >;
  detail: string;
}

// Calendar clients prefix the event's title with the response (Google, Outlook, Apple, in each language).
const CALENDAR_SUBJECT =
  /^\s*(accepted|declined|tentative(ly accepted)?|invitation|updated invitation|canceled event|cancelled event|event canceled|angenommen|abgelehnt|mit vorbehalt angenommen|vorbehaltlich|einladung|aktualisierte einladung|abgesagt|accepte|refuse|provisoire|invitation mise a jour|annule|aceptado|rechazado|provisional|invitacion|invitacion actualizada|cancelado|accettato|rifiutato|provvisorio|invito|invito aggiornato|annullato|aceito|aceite|recusado|convite|geaccepteerd|geweigerd|voorlopig|uitnodiging|bijgewerkte uitnodiging|geannuleerd|承諾|辞退|仮承諾|招待|更新された招待)\s*[:：]/u;
const CALENDAR_BODY =
  /has (accepted|declined|tentatively accepted) (this|your|the) invitation|hat die einladung (angenommen|abgelehnt)|a (accepte|refuse) (cette|votre|l'?) ?invitation|ha (aceptado|rechazado) (esta|tu|su|la) invitacion|ha (accettato|rifiutato) (questo|il tuo|l'?) ?invito|(aceitou|recusou) o convite|heeft de uitnodiging (geaccepteerd|geweigerd)|招待を(承諾|辞退)しました/u;

const READ_SUBJECT =
  /^\s*(read|read receipt|return receipt|gelesen|lesebestatigung|lu|confirmation de lecture|leido|confirmacion de lectura|letto|conferma di lettura|lido|confirmacao de leitura|gelezen|leesbevestiging|開封済み|開封確認)\s*([:：]|$)/u;
const READ_BODY =
  /(was|has been) (read|displayed) on|receipt for the mail you sent|wurde (am .{0,40})?gelesen|a ete lu le|fue leido el|e stato letto il|foi lido em|is gelezen op|開封されました/u;

// "[Ticket 2231]", "[Request #88]", "[Demande n°7731]", "[Case #DM-20931]", "[GET-1093]" near an acknowledgement.
const TICKET_TAG =
  /\[\s*(ticket|request|case|demande|anfrage|vorgang|caso|solicitud|richiesta|pedido|chamado|verzoek|melding|ref)?\s*(#|n°|no\.?|nr\.?)?\s*[a-z]*-?\d{2,}\s*\]/u;
const TICKET_BODY =
  /(ticket|request|case|message|reply|demande|anfrage|solicitud|richiesta|pedido|verzoek)\b.{0,40}\b(has been|was) (received|logged|created|added|opened|registered)|has been logged as ticket|(a bien ete|a ete) (recue|enregistree)|wurde (erfolgreich )?(erhalten|angelegt|registriert)|ha sido (recibida|registrada)|e stata (ricevuta|registrata)|foi (recebida|registrada)|is (ontvangen|geregistreerd)|受け付けました/u;

// What automated senders write at the bottom of a message.
const AUTOMATED =
  /this is an automated (message|notification|response|email|e-mail|acknowledg(e)?ment|reply)|please do not reply|do not reply to this (email|e-mail|message)|replies to this (address|email) are not monitored|this mailbox is not monitored|we can'?t provide support by email|you have received this (mandatory )?service announcement|automatisch (erstellte|generierte|versendete) (nachricht|e-mail)|bitte antworten sie nicht|message automatique|(merci|veuillez) de ne pas (y )?repondre|mensaje automatico|por favor,? no responda|messaggio automatico|(si prega di|per favore) non rispondere|mensagem automatica|por favor,? nao responda|automatisch (gegenereerd|verzonden) bericht|dit bericht niet beantwoorden|自動送信|返信しないで|返信できません/u;

const NEWSLETTER_BODY =
  /you('| a)re receiving this (email |e-mail |message )?because|you received this (email |e-mail )?because you (subscribed|signed up)|view (it |this email )?in (your )?browser|newsletter abbestellen|sie erhalten diese (e-mail|nachricht),? weil|vous recevez cet e-?mail|recibes este (correo|e-?mail)|ricevi questa (e-?mail|email)|voce (esta )?recebe(ndo)? este e-?mail|u ontvangt deze e-?mail omdat|配信停止/u;
const NEWSLETTER_SENDER =
  /^(news|newsletter|nieuwsbrief|digest|marketing|updates?|hello|info|mailings?)([-+_.].*)?$/;
const NEWSLETTER_SUBJECT = /newsletter|nieuwsbrief|digest|this week in|weekly|#\d+\s*:|ニュース/u;

/**
 * Whether this mail was written by a machine, judged from subject, new text, sender and Content-Type. Only the
 * signals machines leave; one word a customer might write ("unsubscribe", "read") is never enough on its own.
 */
export function recogniseMachineMail(
  subject: string,
  body: string,
  senderLocal: string,
  contentType: string,
): MachineVerdict | undefined {
  const s = normalize(subject);
  const b = normalize(body.slice(0, 5_000));
  if (/text\/calendar/i.test(contentType) || CALENDAR_SUBJECT.test(s) || CALENDAR_BODY.test(b))
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
    (TICKET_TAG.test(s) || AUTOMATED.test(b) || /reference|referenz|reference|numero|nummer/u.test(b))
  )
    return { reason: 'ticket_ack', detail: `ticket acknowledgement "${subject}"` };
  const local = senderLocal.toLowerCase();
  if (NEWSLETTER_BODY.test(b) || (NEWSLETTER_SENDER.test(local) && NEWSLETTER_SUBJECT.test(s)))
    return { reason: 'newsletter', detail: `newsletter "${subject}"` };
  if (AUTOMATED.test(b)) return { reason: 'notification', detail: 'automated notification text' };
  return undefined;
}
