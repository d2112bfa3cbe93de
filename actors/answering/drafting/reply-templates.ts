// Fixed reply wording per language (en, de, fr, es) for the built-in responder and guardrail refusals; wording only, no decisions.

export const TEMPLATE_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];

export interface ReplyTemplates {
  greeting(name: string | undefined): string;
  thanks(topic: string | undefined): string;
  /** Said before English excerpts in the other languages; undefined in English. */
  englishNote: string | undefined;
  answerLead: string;
  moreDetails(articles: readonly string[]): string;
  replyIfUnsolved: string;
  noAnswer: string;
  needsHuman: string;
  refusal: string;
  signoff(brand: string): string;
}

const quote = (open: string, close: string) => (articles: readonly string[]) =>
  articles.map((a) => `${open}${a}${close}`).join(', ');

const en: ReplyTemplates = {
  greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
  thanks: (topic) =>
    topic ? `Thank you for contacting us about "${topic}".` : 'Thank you for contacting us.',
  englishNote: undefined,
  answerLead: 'Here is what our documentation says:',
  moreDetails: (articles) =>
    `You can find more details in our help article${articles.length > 1 ? 's' : ''} ${quote('"', '"')(articles)}.`,
  replyIfUnsolved:
    'If this does not solve your problem, simply reply to this email and we will take it from there.',
  noAnswer:
    'I could not find a reliable answer to your question in our documentation, so I have passed your message to a colleague who will get back to you as soon as possible.',
  needsHuman: 'I have also passed your message to a colleague, who will follow up personally.',
  refusal:
    'I am sorry, but I cannot help with that request by email. I have passed your message to a colleague who will get back to you.',
  signoff: (brand) => `Best regards,\n${brand} Support`,
};

const de: ReplyTemplates = {
  greeting: (name) => (name ? `Hallo ${name},` : 'Guten Tag,'),
  thanks: (topic) =>
    topic ? `vielen Dank für Ihre Nachricht zum Thema „${topic}“.` : 'vielen Dank für Ihre Nachricht.',
  englishNote:
    'Unsere Hilfeartikel gibt es nur auf Englisch, deshalb zitiere ich den passenden Abschnitt auf Englisch:',
  answerLead: 'Das steht dazu in unserer Dokumentation:',
  moreDetails: (articles) =>
    `Weitere Details finden Sie in unserem Hilfeartikel ${quote('„', '“')(articles)} (auf Englisch).`,
  replyIfUnsolved:
    'Falls das Ihr Problem nicht löst, antworten Sie einfach auf diese E-Mail, und wir kümmern uns darum.',
  noAnswer:
    'Leider habe ich in unserer Dokumentation keine verlässliche Antwort auf Ihre Frage gefunden. Ich habe Ihre Nachricht an einen Kollegen weitergeleitet, der sich so bald wie möglich bei Ihnen meldet.',
  needsHuman:
    'Ich habe Ihre Nachricht außerdem an einen Kollegen weitergeleitet, der sich persönlich bei Ihnen meldet.',
  refusal:
    'Leider kann ich bei dieser Anfrage per E-Mail nicht helfen. Ich habe Ihre Nachricht an einen Kollegen weitergeleitet, der sich bei Ihnen meldet.',
  signoff: (brand) => `Mit freundlichen Grüßen\nIhr ${brand} Support`,
};

const fr: ReplyTemplates = {
  greeting: (name) => (name ? `Bonjour ${name},` : 'Bonjour,'),
  thanks: (topic) =>
    topic ? `Merci de nous avoir contactés au sujet de « ${topic} ».` : 'Merci de nous avoir contactés.',
  englishNote: "Nos articles d'aide n'existent qu'en anglais ; voici donc le passage utile, en anglais :",
  answerLead: 'Voici ce que dit notre documentation :',
  moreDetails: (articles) =>
    `Vous trouverez plus de détails dans notre article d'aide ${quote('« ', ' »')(articles)} (en anglais).`,
  replyIfUnsolved:
    'Si cela ne résout pas votre problème, répondez simplement à cet e-mail et nous nous en occuperons.',
  noAnswer:
    "Je n'ai pas trouvé de réponse fiable à votre question dans notre documentation ; j'ai donc transmis votre message à un collègue qui vous répondra dès que possible.",
  needsHuman: "J'ai également transmis votre message à un collègue, qui vous répondra personnellement.",
  refusal:
    "Je suis désolé, mais je ne peux pas donner suite à cette demande par e-mail. J'ai transmis votre message à un collègue qui vous répondra.",
  signoff: (brand) => `Cordialement,\nLe support ${brand}`,
};

const es: ReplyTemplates = {
  greeting: (name) => (name ? `Hola ${name}:` : 'Hola:'),
  thanks: (topic) => (topic ? `Gracias por escribirnos sobre «${topic}».` : 'Gracias por escribirnos.'),
  englishNote:
    'Nuestros artículos de ayuda solo están disponibles en inglés, así que cito la parte relevante en inglés:',
  answerLead: 'Esto es lo que dice nuestra documentación:',
  moreDetails: (articles) =>
    `Encontrará más detalles en nuestro artículo de ayuda ${quote('«', '»')(articles)} (en inglés).`,
  replyIfUnsolved: 'Si esto no resuelve su problema, responda a este correo y nos encargaremos.',
  noAnswer:
    'No he encontrado una respuesta fiable a su pregunta en nuestra documentación, así que he pasado su mensaje a un compañero que le responderá lo antes posible.',
  needsHuman: 'También he pasado su mensaje a un compañero, que le responderá personalmente.',
  refusal:
    'Lo siento, pero no puedo atender esa solicitud por correo. He pasado su mensaje a un compañero que le responderá.',
  signoff: (brand) => `Saludos cordiales,\nEl equipo de soporte de ${brand}`,
};

const TEMPLATES: Readonly<Record<TemplateLanguage, ReplyTemplates>> = { en, de, fr, es };

/** The template language for a language code ("de-AT" -> "de"); English when we have no template for it. */
export function templateLanguage(code: string): TemplateLanguage {
  const base = code.toLowerCase().split(/[-_]/)[0] ?? 'en';
  return (TEMPLATE_LANGUAGES as readonly string[]).includes(base) ? (base as TemplateLanguage) : 'en';
}

export function templatesFor(language: TemplateLanguage): ReplyTemplates {
  return TEMPLATES[language];
}

/** A short complete email that answers nothing: the escalation holding reply or the guardrail refusal. */
export function noticeText(
  language: TemplateLanguage,
  kind: 'noAnswer' | 'refusal',
  greetingName: string | undefined,
  subject: string | undefined,
  brand: string,
): string {
  const t = templatesFor(language);
  const body = kind === 'noAnswer' ? `${t.thanks(subject)} ${t.noAnswer}` : t.refusal;
  return [t.greeting(greetingName), '', body, '', t.signoff(brand)].join('\n');
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
