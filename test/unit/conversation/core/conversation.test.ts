// Unit tests for the pure conversation reducers: routing, settling, reassignment, history, and the schemas they must keep.
import { expect } from 'chai';
import { check } from '../../../../schemas/codec.ts';
import '../../../../bus/contracts.ts';
import { ConversationState, type WorkItem } from '../../../../schemas/work.ts';
import { conversationKey } from '../../../../actors/conversation/conversation-store.ts';
import {
  historyFor,
  isHeld,
  recordGivenBack,
  recordHeld,
  recordReassigned,
  recordRouted,
  recordSettled,
} from '../../../../actors/conversation/core/conversation.ts';
import { replyKey } from '../../../../actors/conversation/reply-store.ts';

const now = '2026-01-01T00:00:00.000Z';
const later = '2026-01-01T00:01:00.000Z';

function item(messageId: string, over: Partial<WorkItem> = {}): WorkItem {
  return {
    type: 'work-item',
    inboxId: 'support@x.to',
    threadId: 'thd_1',
    messageId,
    eventId: `evt-${messageId}`,
    owner: 'n-agent-0',
    epoch: 0,
    instance: 'conv/thd_1/0',
    classification: {
      specialization: 'support',
      topic: 'technical',
      priority: 'normal',
      language: 'en',
      needsHuman: false,
      humanReasons: [],
      confidence: 0.8,
      method: 'keywords',
    },
    email: {
      subject: 'Help',
      text: `text of ${messageId}`,
      from: 'Jane <jane@example.com>',
      receivedAt: now,
    },
    routedAt: now,
    ...over,
  };
}

/** recordRouted for a message not yet settled: always a next state. */
function route(prev: ConversationState | undefined, it: WorkItem, at: string): ConversationState {
  const next = recordRouted(prev, it, at);
  if (next === undefined) throw new Error(`recordRouted refused ${it.messageId}`);
  return next;
}

const valid = (v: unknown) =>
  expect(check(ConversationState, v).ok, JSON.stringify(check(ConversationState, v))).to.equal(true);

describe('conversation records', function () {
  it('records a routed message once, as pending, with the customer line in the history', function () {
    const a = route(undefined, item('m1'), now);
    const b = route(a, item('m1'), later);
    valid(b);
    expect(b.pending.map((p) => p.messageId)).to.deep.equal(['m1']);
    expect(b.messageIds).to.deep.equal(['m1']);
    expect(b.history).to.have.length(1);
    expect(b.status).to.equal('pending');
  });

  it('refuses to make a settled message pending again, so a late redelivery is recognised, not re-routed', function () {
    const settled = recordSettled(
      route(undefined, item('m1'), now),
      { messageId: 'm1', outcome: 'answered' },
      now,
    );
    expect(recordRouted(settled, item('m1'), later)).to.equal(undefined);
    // A message still pending is routed again (same epoch, same work msgID): the redelivery of a crashed attempt.
    const pending = route(undefined, item('m1'), now);
    expect(recordRouted(pending, item('m1'), later)?.pending.map((p) => p.messageId)).to.deep.equal(['m1']);
  });

  it('never moves the owner back to an older epoch', function () {
    const moved = route(undefined, item('m1', { owner: 'n-agent-1', epoch: 2 }), now);
    const late = route(moved, item('m2', { owner: 'n-agent-0', epoch: 1 }), later);
    expect(late.owner).to.equal('n-agent-1');
    expect(late.epoch).to.equal(2);
  });

  it('settles a message: no longer pending, our reply in the history once, status from what is left', function () {
    let s = route(undefined, item('m1'), now);
    s = route(s, item('m2'), now);
    s = recordSettled(s, { messageId: 'm1', outcome: 'answered', replyText: 'Hello' }, later);
    expect(s.status).to.equal('pending');
    s = recordSettled(s, { messageId: 'm1', outcome: 'answered', replyText: 'Hello' }, later);
    expect(s.history.filter((h) => h.replyTo === 'm1')).to.have.length(1);
    s = recordSettled(s, { messageId: 'm2', outcome: 'escalated' }, later);
    valid(s);
    expect(s.pending).to.be.empty;
    expect(s.status).to.equal('escalated');
  });

  it('hands pending work to the new owner on reassignment, and ignores an older epoch', function () {
    const s = route(undefined, item('m1'), now);
    const moved = recordReassigned(s, 'n-agent-2', 1, [item('m1', { owner: 'n-agent-2', epoch: 1 })], later);
    valid(moved);
    expect(moved.owner).to.equal('n-agent-2');
    expect(moved.pending[0]!.owner).to.equal('n-agent-2');
    expect(recordReassigned(moved, 'n-agent-0', 0, [], later)).to.equal(moved);
  });

  it('gives the responder the history before a message, without the message or its own reply', function () {
    let s = route(undefined, item('m1'), now);
    s = recordSettled(s, { messageId: 'm1', outcome: 'answered', replyText: 'Answer one' }, now);
    s = route(s, item('m2'), later);
    expect(historyFor(s, 'm2').map((h) => h.text)).to.deep.equal(['text of m1', 'Answer one']);
    expect(historyFor(s, 'm1')).to.deep.equal([
      { from: 'Jane <jane@example.com>', text: 'text of m2', at: now },
    ]);
    expect(historyFor(undefined, 'm1')).to.deep.equal([]);
  });

  it('bounds the history and message ids of a long conversation', function () {
    let s = route(undefined, item('m0'), now);
    for (let i = 1; i < 80; i++) {
      s = route(s, item(`m${i}`), now);
      s = recordSettled(s, { messageId: `m${i}`, outcome: 'answered', replyText: 'ok' }, now);
    }
    valid(s);
    expect(s.history.length).to.be.at.most(20);
    expect(s.messageIds.length).to.be.at.most(50);
    expect(s.messageIds.at(-1)).to.equal('m79');
  });

  it('makes KV keys that survive any id, and never mixes inboxes', function () {
    const k = replyKey('a@x.to', '<weird id/with.dots*and>spaces@x>');
    expect(k).to.match(/^[-/_=.a-zA-Z0-9]+$/);
    expect(replyKey('a@x.to', '<m@x>')).to.not.equal(replyKey('b@x.to', '<m@x>'));
    expect(conversationKey('thd.1 *>')).to.match(/^t\.[-_a-zA-Z0-9]+$/);
  });

  describe('hands off while a person has the thread', function () {
    const valid = (state: unknown) =>
      expect(check(ConversationState, state).ok, JSON.stringify(state)).to.equal(true);
    const escalated = () =>
      recordSettled(
        recordRouted(undefined, item('<a@x>'), now)!,
        { messageId: '<a@x>', outcome: 'escalated', reasons: ['legal_threat'] },
        now,
      );

    it('an escalation puts the thread on hold, with the message and its reasons; an answer does not', function () {
      const held = escalated();
      valid(held);
      expect(held.hold).to.deep.equal({ since: now, messageId: '<a@x>', reasons: ['legal_threat'] });
      expect(isHeld(held)).to.equal(true);
      const answered = recordSettled(
        recordRouted(undefined, item('<b@x>'), now)!,
        { messageId: '<b@x>', outcome: 'answered' },
        now,
      );
      expect(isHeld(answered)).to.equal(false);
    });

    it('a later escalation keeps the first hold, and routing never drops it', function () {
      const held = escalated();
      const again = recordSettled(
        recordRouted(held, item('<c@x>'), later)!,
        { messageId: '<c@x>', outcome: 'escalated', reasons: ['negative_tone'] },
        later,
      );
      expect(again.hold?.messageId).to.equal('<a@x>');
    });

    it('records mail held for the person as seen and in the history, never pending, once', function () {
      const held = recordHeld(
        escalated(),
        { messageId: '<d@x>', from: 'Jane <jane@example.com>', text: 'and another thing' },
        later,
      )!;
      valid(held);
      expect(held.messageIds).to.include('<d@x>');
      expect(held.pending).to.deep.equal([]);
      expect(held.status).to.equal('escalated');
      expect(held.hold?.heldMessages).to.deep.equal(['<d@x>']);
      expect(held.history.at(-1)?.text).to.equal('and another thing');
      expect(recordHeld(held, { messageId: '<d@x>', from: 'x', text: 'y' }, later)).to.equal(undefined);
    });

    it('a give-back lifts the hold and records who gave it back and when; a second one changes nothing', function () {
      const back = recordGivenBack(escalated(), 'alice', later, 'called her')!;
      valid(back);
      expect(isHeld(back)).to.equal(false);
      expect(back.givenBack).to.deep.equal({ by: 'alice', at: later, note: 'called her' });
      expect(recordGivenBack(back, 'bob', later)).to.equal(undefined);
      expect(recordRouted(back, item('<e@x>'), later)?.givenBack?.by).to.equal('alice');
    });
  });
});
