// The proposer actor: answers propose requests (any proposer may), drives the pure proposer core over NATS, turns
// its timers into real ones and its replies into answers. It decides nothing itself.
import { randomBytes, randomInt } from 'node:crypto';
import type { Msg } from '@nats-io/transport-node';
import { encode } from '../../schemas/codec.ts';
import { contracts } from '../../bus/contracts.ts';
import type { OwnerValue, ProposeMsg } from '../../schemas/paxos.ts';
import * as core from './core/proposer.ts';
import { parseConversationInstance } from './core/instance.ts';
import { ClusterView, distinguishedProposer } from '../runtime/cluster-view.ts';
import { consensusOps, decisionSeconds, PaxosOutbox, unbatch } from './wire.ts';
import { Actor } from '../runtime/actor.ts';

type V = OwnerValue;

/**
 * Decided instances are dropped from the core on a timer so its memory stays bounded (a later request for one
 * runs Paxos again and gets the same value); forgetting is O(instances dropped).
 */
const forgetEveryMs = 250;

interface Waiting {
  msg: Msg;
  startedAt: number;
}

export class ProposerActor extends Actor {
  readonly kind = 'proposer' as const;
  private state!: core.ProposerState<V>;
  private readonly waiting = new Map<string, Waiting>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private nextRequest = 0;
  private forgetTimer: NodeJS.Timeout | undefined;
  private outbox!: PaxosOutbox;
  private view: ClusterView | undefined;
  /**
   * The core's id, unique per incarnation: the core keeps no rounds on disk, so a restarted proposer
   * reusing a ballot could put a second value on it. A random suffix per start makes every ballot new.
   */
  readonly ballotId = `${this.id}-${randomBytes(4).toString('hex')}`;

  constructor(
    id: string,
    private readonly acceptors: string[],
    /** PAXOS_FAST_PATH: whether the distinguished proposer may hold a leader ballot and skip phase 1. */
    private readonly fastPathAllowed: boolean,
  ) {
    super(id);
  }

  load(): number {
    return this.waiting.size;
  }

  protected async onStart(): Promise<void> {
    if (this.acceptors.length === 0) throw new Error(`${this.id}: no acceptors configured (PAXOS_ACCEPTORS)`);
    this.state = core.initialState<V>({
      id: this.ballotId,
      acceptors: this.acceptors,
      timeoutMs: this.ctx.config.paxosTimeoutMs,
      retryMs: 250,
      backoffMinMs: 5,
      backoffMaxMs: 250,
      seed: randomInt(2 ** 31),
      fastPath: false,
    });
    // One distinguished proposer in the whole cluster runs the fast path: the alive one with the lowest id.
    // Two leaders would keep pre-empting each other's leader ballots; safety never depends on this choice.
    this.view = new ClusterView(this.ctx.config.healthCheckIntervalMs);
    this.view.start(this.ctx.bus, this.reportInvalid);
    this.view.onChange(() => this.electDistinguished());
    this.electDistinguished();
    this.handle(contracts.propose, {}, (req, msg) => this.request(req, msg), { queue: 'proposers' });
    this.outbox = PaxosOutbox.for(this.ctx.bus);
    this.handle(contracts.toProposer, { proposerId: this.ballotId }, (m) => {
      const now = Date.now();
      for (const msg of unbatch(m)) this.apply({ type: 'message', now, msg });
    });
    // Decided instances are in the durable record; the core need not remember them.
    this.forgetTimer = setInterval(() => {
      if (this.state.decided.size > 0) this.state = core.forget(this.state, [...this.state.decided.keys()]);
    }, forgetEveryMs);
    this.forgetTimer.unref();
  }

  protected async onStop(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.waiting.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    clearInterval(this.forgetTimer);
    this.view?.stop();
    for (const t of this.timers.values()) clearTimeout(t);
  }

  private electDistinguished(): void {
    const fastPath = this.fastPathAllowed && distinguishedProposer(this.view!, this.id) === this.id;
    if (fastPath !== this.state.config.fastPath) {
      this.state = { ...this.state, config: { ...this.state.config, fastPath } };
      this.emit('paxos.fast-path', { enabled: fastPath });
    }
  }

  private request(req: ProposeMsg, msg: Msg): void {
    const startedAt = performance.now();
    // No read of the durable record first: an acceptor that compacted the instance answers with the recorded
    // decision (it reads the record itself), so a decided instance still ends with its one value.
    const requestId = String(this.nextRequest++);
    this.waiting.set(requestId, { msg, startedAt });
    const conv = parseConversationInstance(req.instance);
    this.emit(
      'owner.proposed',
      {
        instance: req.instance,
        candidate: req.candidate.agentId,
        ...(conv ? { epoch: conv.epoch } : {}),
        ...(req.candidate.specialization ? { specialization: req.candidate.specialization } : {}),
      },
      conv ? { threadId: conv.threadId } : {},
      'debug',
    );
    this.apply({ type: 'request', requestId, now: Date.now(), msg: req });
  }

  private answer(msg: Msg, reply: core.ProposerMessage<V>, startedAt: number, result: string): void {
    if (reply.type !== 'decided' && reply.type !== 'error') return;
    msg.respond(encode(contracts.propose.name, contracts.propose.replySchema!, reply));
    consensusOps.inc({ phase: 'decide', result });
    if (reply.type === 'decided') decisionSeconds.observe((performance.now() - startedAt) / 1000);
  }

  private apply(input: core.ProposerInput<V>): void {
    const r = core.step(this.state, input);
    this.state = r.state;
    for (const o of r.out) {
      switch (o.kind) {
        case 'send':
          this.outbox.send(o.to, o.msg);
          break;
        case 'reply': {
          const w = this.waiting.get(o.requestId);
          if (!w) break;
          this.waiting.delete(o.requestId);
          this.answer(w.msg, o.msg, w.startedAt, o.msg.type === 'error' ? o.msg.code : 'ok');
          break;
        }
        case 'setTimer': {
          // One real timer per key: the core keeps at most one per pending instance, and a new `at` replaces it.
          clearTimeout(this.timers.get(o.key));
          // Node arms timers from the event loop's cached clock, so one may fire a few ms before `at` by
          // Date.now(). An early timer is re-armed here for the rest: fed to the core, it would find nothing
          // due yet and only set the key again.
          const fire = () => {
            const early = o.at - Date.now();
            if (early > 0) {
              this.timers.set(o.key, setTimeout(fire, early));
              return;
            }
            this.timers.delete(o.key);
            this.apply({ type: 'timer', key: o.key, now: Date.now() });
          };
          this.timers.set(o.key, setTimeout(fire, Math.max(0, o.at - Date.now())));
          break;
        }
        case 'clearTimer':
          // The instance was decided or gave up (or the leader ballot stood): its timer would fire for nothing.
          clearTimeout(this.timers.get(o.key));
          this.timers.delete(o.key);
          break;
        case 'decided':
        case 'persist':
          break;
        default: {
          const never: never = o;
          throw new Error(`unknown proposer output ${JSON.stringify(never)}`);
        }
      }
    }
  }
}
