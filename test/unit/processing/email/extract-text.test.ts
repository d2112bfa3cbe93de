// Unit tests for extract-text: quoted history, signatures, HTML, source preference and sender parsing.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  decodeEntities,
  extractNewText,
  extractText,
  htmlToText,
  parseSender,
} from '../../../../actors/processing/email/extract-text.ts';

describe('extract-text', () => {
  describe('quoted history', () => {
    it('cuts at a Gmail "On ... wrote:" line', () => {
      const t = 'Still broken.\n\nOn Tue, 4 Mar 2025 at 10:12, Acme <a@b.com> wrote:\n> old text';
      expect(extractNewText(t)).to.equal('Still broken.');
    });

    it('cuts at an "On ... wrote:" header wrapped over two lines', () => {
      const t = 'New words.\n\nOn Tue, 4 Mar 2025 at 10:12 Jane Doe <\njane@example.com> wrote:\n\nold text';
      expect(extractNewText(t)).to.equal('New words.');
    });

    it('drops lines starting with ">" anywhere', () => {
      expect(extractNewText('> quoted\nmine\n>> deeper\nalso mine')).to.equal('mine\nalso mine');
    });

    it('cuts at -----Original Message----- and its German form', () => {
      expect(extractNewText('Hello\n-----Original Message-----\nFrom: x')).to.equal('Hello');
      expect(extractNewText('Hallo\n----- Ursprüngliche Nachricht -----\nVon: x')).to.equal('Hallo');
    });

    it('cuts an Outlook From:/Sent: block and the underscore line above it', () => {
      const t =
        'Please help.\n\n________________________________\nFrom: Support <s@x.com>\nSent: Monday\nTo: me\nSubject: hi\n\nold';
      expect(extractNewText(t)).to.equal('Please help.');
    });

    it('cuts a German Outlook Von:/Gesendet: block', () => {
      const t = 'Bitte anrufen.\n\nVon: Support <s@x.com>\nGesendet: Montag, 10. März 2025\nAn: Georg\n\nalt';
      expect(extractNewText(t)).to.equal('Bitte anrufen.');
    });

    it('keeps a "From:" line that is not followed by a Sent/Date header', () => {
      expect(extractNewText('From: the UK\nI ordered a lamp.')).to.equal('From: the UK\nI ordered a lamp.');
    });

    it('cuts at German, French and Spanish reply headers', () => {
      expect(extractNewText('Neu\n\nAm 10.03.2025 um 14:02 schrieb Acme <a@b.com>:\nalt')).to.equal('Neu');
      expect(
        extractNewText('Nouveau\n\nLe lun. 10 mars 2025 à 14:02, Acme <a@b.com> a écrit :\nvieux'),
      ).to.equal('Nouveau');
      expect(
        extractNewText('Nuevo\n\nEl lun, 10 mar 2025 a las 14:02, Acme (<a@b.com>) escribió:\nviejo'),
      ).to.equal('Nuevo');
    });
  });

  describe('signatures', () => {
    it('cuts at the RFC 3676 "-- " separator', () => {
      expect(extractNewText('Body here\n-- \nAlex\nEngineer')).to.equal('Body here');
    });

    it('cuts mobile signatures in several languages', () => {
      expect(extractNewText('Help\n\nSent from my iPhone')).to.equal('Help');
      expect(extractNewText('Hilfe\n\nVon meinem iPhone gesendet')).to.equal('Hilfe');
      expect(extractNewText('Aide\n\nEnvoyé de mon iPhone')).to.equal('Aide');
    });

    it('cuts a closing formula followed by a short name block', () => {
      const t = 'My invoice is wrong.\n\nBest regards,\nJane Doe\nAcme Corp\n+44 20 1234 5678';
      expect(extractNewText(t)).to.equal('My invoice is wrong.');
      expect(extractNewText('Bitte prüfen.\n\nMit freundlichen Grüßen\nKlaus')).to.equal('Bitte prüfen.');
    });

    it('keeps text after "Thanks" when a long paragraph follows, since that is not a signature', () => {
      const long = 'x'.repeat(120);
      expect(extractNewText(`Question one.\nThanks\n${long}`)).to.contain(long);
    });

    it('does not treat a leading "Thanks" as a signature', () => {
      expect(extractNewText('Thanks for the quick reply!')).to.equal('Thanks for the quick reply!');
    });

    it('cuts a legal disclaimer', () => {
      const t =
        'Please resend the invoice.\nCONFIDENTIALITY NOTICE: This email is confidential and intended only for the recipient.';
      expect(extractNewText(t)).to.equal('Please resend the invoice.');
    });

    it('keeps a sentence starting "This message" that is not a disclaimer', () => {
      expect(extractNewText('Hi\nThis message is about order 12.')).to.equal(
        'Hi\nThis message is about order 12.',
      );
    });
  });

  describe('html', () => {
    it('keeps line breaks, strips tags and decodes entities', () => {
      expect(htmlToText('<div>Hi,<br>I can&#39;t log in &amp; &euro;5 &#x263A;</div><p>Second</p>')).to.equal(
        "Hi,\nI can't log in & €5 ☺\n\nSecond",
      );
    });

    it('drops style, script and quoted blockquotes, including nested ones', () => {
      const html =
        '<style>p{color:red}</style><script>alert(1)</script><p>New</p><blockquote>old<blockquote>older</blockquote>still old</blockquote>';
      expect(htmlToText(html)).to.equal('New');
    });

    it('leaves unknown or invalid entities as written', () => {
      expect(decodeEntities('&bogus; &#xFFFFFFF; &#55296;')).to.equal('&bogus; &#xFFFFFFF; &#55296;');
    });
  });

  describe('source preference', () => {
    it('prefers extracted_text over text and html', () => {
      expect(extractText({ extracted_text: 'A', text: 'B', html: '<p>C</p>' })).to.equal('A');
    });

    it('uses text when extracted_text is empty, and strips its quotes', () => {
      expect(extractText({ extracted_text: '  ', text: 'B\n> q', html: '<p>C</p>' })).to.equal('B');
    });

    it('falls back to html when there is no text part', () => {
      expect(extractText({ html: '<p>Only <b>html</b></p>' })).to.equal('Only html');
    });

    it('returns an empty string when there is no body at all', () => {
      expect(extractText({})).to.equal('');
    });
  });

  describe('sender', () => {
    it('parses display name and address, lower-casing the address', () => {
      expect(parseSender('Jane Doe <Jane@Example.COM>')).to.deep.equal({
        address: 'jane@example.com',
        name: 'Jane Doe',
      });
    });

    it('strips quotes around a display name with a comma', () => {
      expect(parseSender('"Doe, Jane" <jane@x.com>')).to.deep.equal({
        address: 'jane@x.com',
        name: 'Doe, Jane',
      });
    });

    it('parses a bare address and an address with a comment name', () => {
      expect(parseSender('jane@x.com')).to.deep.equal({ address: 'jane@x.com', name: '' });
      expect(parseSender('jane@x.com (Jane)')).to.deep.equal({ address: 'jane@x.com', name: 'Jane' });
    });

    it('returns an empty address when there is none', () => {
      expect(parseSender('Mail Delivery System').address).to.equal('');
    });
  });

  it('never throws on arbitrary bodies, html and senders', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000 }),
        fc.string({ maxLength: 2000 }),
        fc.anything(),
        (text, html, from) => {
          const email = { text, html, from } as never;
          expect(extractText(email)).to.be.a('string');
          expect(extractText({ html })).to.be.a('string');
          expect(parseSender(from as never).address).to.be.a('string');
        },
      ),
      { numRuns: 300 },
    );
  });
});
