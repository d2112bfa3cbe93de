// Fixed reply wording per language (en, de, fr, es, it, pt, nl, ja) for the built-in responder and guardrail notices; wording only, no decisions.

export const TEMPLATE_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'ja'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

/** Who signs a reply: the business's configuration (COMPANY_NAME, REPLY_SIGNATURE); no brand lives in code. */
export interface Signing {
  readonly companyName?: string | undefined;
  /** Ends every reply verbatim when set. */
  readonly signature?: string | undefined;
}

export interface ReplyTemplates {
  greeting(name: string | undefined): string;
  /** The one line after an answer. */
  replyIfUnsolved: string;
  /** The one clarifying question for mail too short or empty to know what is asked. */
  clarify: string;
  /** The holding reply recorded when the mail goes to a person instead. */
  noAnswer: string;
  /** Added to an answer when a person follows up as well. */
  needsHuman: string;
  refusal: string;
  /** Regards line and signer; `company` undefined gives neutral wording. */
  signoff(company: string | undefined): string;
}

const en: ReplyTemplates = {
  greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
  replyIfUnsolved: 'If this does not solve it, just reply to this email and we will take it from there.',
  clarify: 'Could you tell us in a sentence or two what you need help with, so we can answer you properly?',
  noAnswer:
    'Thank you for your message. A colleague will look at it personally and get back to you as soon as possible.',
  needsHuman: 'I have also passed your message to a colleague, who will follow up personally.',
  refusal:
    'I am sorry, but I cannot help with that request by email. I have passed your message to a colleague who will get back to you.',
  signoff: (company) => `Best regards,\n${company ? `${company} Support` : 'The support team'}`,
};

const de: ReplyTemplates = {
  greeting: (name) => (name ? `Hallo ${name},` : 'Guten Tag,'),
  replyIfUnsolved: 'Falls das nicht weiterhilft, antworten Sie einfach auf diese E-Mail.',
  clarify: 'Könnten Sie uns in ein, zwei Sätzen schreiben, wobei wir Ihnen helfen können?',
  noAnswer:
    'vielen Dank für Ihre Nachricht. Ein Kollege sieht sie sich persönlich an und meldet sich so bald wie möglich bei Ihnen.',
  needsHuman:
    'Ich habe Ihre Nachricht außerdem an einen Kollegen weitergeleitet, der sich persönlich bei Ihnen meldet.',
  refusal:
    'Leider kann ich bei dieser Anfrage per E-Mail nicht helfen. Ich habe Ihre Nachricht an einen Kollegen weitergeleitet, der sich bei Ihnen meldet.',
  signoff: (company) => `Mit freundlichen Grüßen\n${company ? `Ihr ${company} Support` : 'Ihr Support-Team'}`,
};

const fr: ReplyTemplates = {
  greeting: (name) => (name ? `Bonjour ${name},` : 'Bonjour,'),
  replyIfUnsolved: 'Si cela ne règle pas le problème, répondez simplement à cet e-mail.',
  clarify: 'Pourriez-vous nous dire en une ou deux phrases ce dont vous avez besoin ?',
  noAnswer:
    'Merci pour votre message. Un collègue va le lire personnellement et vous répondra dès que possible.',
  needsHuman: "J'ai également transmis votre message à un collègue, qui vous répondra personnellement.",
  refusal:
    "Je suis désolé, mais je ne peux pas donner suite à cette demande par e-mail. J'ai transmis votre message à un collègue qui vous répondra.",
  signoff: (company) => `Cordialement,\n${company ? `Le support ${company}` : "L'équipe support"}`,
};

const es: ReplyTemplates = {
  greeting: (name) => (name ? `Hola ${name}:` : 'Hola:'),
  replyIfUnsolved: 'Si esto no lo resuelve, responda a este correo y seguimos.',
  clarify: '¿Podría contarnos con una o dos frases qué necesita, para que podamos ayudarle con su consulta?',
  noAnswer:
    'Gracias por su mensaje. Un compañero lo revisará personalmente y le responderá lo antes posible.',
  needsHuman: 'También he pasado su mensaje a un compañero, que le responderá personalmente.',
  refusal:
    'Lo siento, pero no puedo atender esa solicitud por correo. He pasado su mensaje a un compañero que le responderá.',
  signoff: (company) =>
    `Saludos cordiales,\n${company ? `El equipo de soporte de ${company}` : 'El equipo de soporte'}`,
};

const it: ReplyTemplates = {
  greeting: (name) => (name ? `Buongiorno ${name},` : 'Buongiorno,'),
  replyIfUnsolved: 'Se questo non risolve il problema, risponda semplicemente a questa e-mail.',
  clarify: 'Potrebbe dirci in una o due frasi di che cosa ha bisogno?',
  noAnswer:
    'Grazie per il suo messaggio. Un collega lo leggerà personalmente e le risponderà il prima possibile.',
  needsHuman: 'Ho anche inoltrato il suo messaggio a un collega, che la ricontatterà personalmente.',
  refusal:
    'Mi dispiace, ma non posso dare seguito a questa richiesta via e-mail. Ho inoltrato il suo messaggio a un collega che le risponderà.',
  signoff: (company) => `Cordiali saluti,\n${company ? `Il supporto ${company}` : 'Il team di supporto'}`,
};

const pt: ReplyTemplates = {
  greeting: (name) => (name ? `Olá ${name},` : 'Olá,'),
  replyIfUnsolved: 'Se isto não resolver, basta responder a este e-mail.',
  clarify: 'Pode dizer-nos numa ou duas frases em que podemos ajudar?',
  noAnswer:
    'Obrigado pela sua mensagem. Um colega vai lê-la pessoalmente e responder-lhe o mais depressa possível.',
  needsHuman: 'Também encaminhei a sua mensagem a um colega, que lhe responderá pessoalmente.',
  refusal:
    'Lamento, mas não posso ajudar com esse pedido por e-mail. Encaminhei a sua mensagem a um colega que lhe responderá.',
  signoff: (company) =>
    `Com os melhores cumprimentos,\n${company ? `Suporte ${company}` : 'A equipa de suporte'}`,
};

const nl: ReplyTemplates = {
  greeting: (name) => (name ? `Hallo ${name},` : 'Hallo,'),
  replyIfUnsolved: 'Lost dit het niet op, beantwoord dan gewoon deze e-mail.',
  clarify: 'Kunt u ons in een of twee zinnen laten weten waarmee we u kunnen helpen?',
  noAnswer:
    'Bedankt voor uw bericht. Een collega bekijkt het persoonlijk en neemt zo snel mogelijk contact met u op.',
  needsHuman: 'Ik heb uw bericht ook doorgestuurd naar een collega, die persoonlijk contact met u opneemt.',
  refusal:
    'Het spijt me, maar ik kan u per e-mail niet met dit verzoek helpen. Ik heb uw bericht doorgestuurd naar een collega die contact met u opneemt.',
  signoff: (company) => `Met vriendelijke groet,\n${company ? `${company} Support` : 'Het supportteam'}`,
};

const ja: ReplyTemplates = {
  greeting: (name) => (name ? `${name} 様` : 'お客様'),
  replyIfUnsolved: 'これで解決しない場合は、このメールにそのままご返信ください。',
  clarify:
    'お問い合わせありがとうございます。どのようなご用件か、一、二文でお知らせいただけますか？内容を確認のうえ、改めてご案内いたします。',
  noAnswer: 'お問い合わせありがとうございます。担当者が内容を確認し、できるだけ早くご連絡いたします。',
  needsHuman: 'また、担当者にも内容を共有しましたので、担当者から改めてご連絡いたします。',
  refusal:
    '申し訳ございませんが、このご依頼にはメールでお応えできません。担当者に内容を共有しましたので、担当者からご連絡いたします。',
  signoff: (company) => `よろしくお願いいたします。\n${company ? `${company} サポート` : 'サポートチーム'}`,
};

const TEMPLATES: Readonly<Record<TemplateLanguage, ReplyTemplates>> = { en, de, fr, es, it, pt, nl, ja };

/** Whether we write replies in this language ("de-AT" counts as "de"). */
export function isTemplateLanguage(code: string): boolean {
  const base = code.toLowerCase().split(/[-_]/)[0] ?? '';
  return (TEMPLATE_LANGUAGES as readonly string[]).includes(base);
}

/** The template language for a language code ("de-AT" -> "de"); English when we have no template for it. */
export function templateLanguage(code: string): TemplateLanguage {
  const base = code.toLowerCase().split(/[-_]/)[0] ?? 'en';
  return isTemplateLanguage(base) ? (base as TemplateLanguage) : 'en';
}

export function templatesFor(language: TemplateLanguage): ReplyTemplates {
  return TEMPLATES[language];
}

/** The closing block: the configured signature verbatim, else the language's regards line and the company. */
export function signoffOf(language: TemplateLanguage, signing: Signing): string {
  return signing.signature ?? templatesFor(language).signoff(signing.companyName);
}

/** A short complete email around one body line: the holding reply, the guardrail refusal or a clarifying question. */
export function noticeText(
  language: TemplateLanguage,
  kind: 'noAnswer' | 'refusal' | 'clarify',
  greetingName: string | undefined,
  signing: Signing,
): string {
  const t = templatesFor(language);
  return [t.greeting(greetingName), '', t[kind], '', signoffOf(language, signing)].join('\n');
}

/** The HTML twin of a plain-text reply: escaped, blank lines become paragraphs, single newlines <br>. */
export function toHtml(text: string): string {
  const escape = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escape(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}
