// The chaos scenarios: what each one kills, pauses or restarts while the load runs. Each leaves every process it
// touched running again when it returns; the runner records every fault in the history before it happens.
import type { ActorKind } from '../../schemas/bus.ts';
import type { ClusterProcess, LocalCluster } from '../cluster/launcher.ts';
import type { FakeAgentMail } from '../fake-agentmail.ts';
import type { Rng } from './core/rng.ts';

export interface ChaosContext {
  cluster: LocalCluster;
  agentMail: FakeAgentMail;
  rng: Rng;
  healthCheckIntervalMs: number;
  paxosTimeoutMs: number;
  /** Running processes of one actor kind, in id order. */
  running(kind: ActorKind): ClusterProcess[];
  kill(p: ClusterProcess): Promise<void>;
  restart(p: ClusterProcess): Promise<void>;
  pause(p: ClusterProcess): void;
  resume(p: ClusterProcess): void;
  killNats(index: number): Promise<void>;
  restartNats(index: number): Promise<void>;
  /** Resolves once this share of the emails has been handed to the load (acknowledged or still retrying). */
  whenStarted(share: number): Promise<void>;
  /** The agent process holding a send the fake AgentMail has not answered yet, waiting up to `ms` for one. */
  agentHoldingSend(ms: number): Promise<ClusterProcess | undefined>;
  sleep(ms: number): Promise<void>;
}

export interface Scenario {
  name: string;
  what: string;
  run(ctx: ChaosContext): Promise<void>;
}

const killAndRestart = async (ctx: ChaosContext, victims: ClusterProcess[], downMs: number) => {
  for (const v of victims) await ctx.kill(v);
  await ctx.sleep(downMs);
  for (const v of victims) await ctx.restart(v);
};

/** Picks `n` distinct elements with the run's generator. */
function pickN<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const left = [...items];
  const out: T[] = [];
  while (out.length < n && left.length > 0) out.push(left.splice(rng.int(left.length), 1)[0]!);
  return out;
}

const acceptorMinority: Scenario = {
  name: 'acceptor-minority',
  what: 'kill -9 a minority of acceptors mid-load, restart them 3 health-check intervals later',
  async run(ctx) {
    await ctx.whenStarted(0.3);
    const all = ctx.running('acceptor');
    await killAndRestart(
      ctx,
      pickN(ctx.rng, all, Math.floor((all.length - 1) / 2) || 1),
      3 * ctx.healthCheckIntervalMs,
    );
  },
};

const acceptorMajority: Scenario = {
  name: 'acceptor-majority',
  what: 'kill -9 a majority of acceptors for longer than PAXOS_TIMEOUT: new conversations wait, then are answered',
  async run(ctx) {
    await ctx.whenStarted(0.3);
    const all = ctx.running('acceptor');
    await killAndRestart(
      ctx,
      pickN(ctx.rng, all, Math.floor(all.length / 2) + 1),
      2 * ctx.paxosTimeoutMs + 2_000,
    );
  },
};

const proposer: Scenario = {
  name: 'proposer',
  what: 'kill -9 the distinguished proposer (lowest id alive, the fast path), restart it later',
  async run(ctx) {
    await ctx.whenStarted(0.3);
    const leader = ctx.running('proposer')[0];
    if (leader) await killAndRestart(ctx, [leader], 3 * ctx.healthCheckIntervalMs);
  },
};

const processor: Scenario = {
  name: 'processor',
  what: 'kill -9 a processor in the middle of messages, restart it later',
  async run(ctx) {
    await ctx.whenStarted(0.4);
    await killAndRestart(ctx, pickN(ctx.rng, ctx.running('processor'), 1), 3 * ctx.healthCheckIntervalMs);
  },
};

const agent: Scenario = {
  name: 'agent',
  what: 'kill -9 an agent while it holds a send AgentMail has not answered, restart it later',
  async run(ctx) {
    await ctx.whenStarted(0.3);
    const victim = (await ctx.agentHoldingSend(10_000)) ?? ctx.rng.pick(ctx.running('agent'));
    await killAndRestart(ctx, [victim], 3 * ctx.healthCheckIntervalMs + 1_000);
  },
};

const gateway: Scenario = {
  name: 'gateway',
  what: "kill -9 one node's gateway while the others keep receiving, restart it later",
  async run(ctx) {
    await ctx.whenStarted(0.3);
    await killAndRestart(ctx, pickN(ctx.rng, ctx.running('gateway'), 1), 3_000);
  },
};

const natsServer: Scenario = {
  name: 'nats-server',
  what: 'kill -9 one NATS server of three (the MAIL stream leader when known), restart it later',
  async run(ctx) {
    await ctx.whenStarted(0.3);
    const i = (await ctx.cluster.nats.leaderOf('MAIL')) ?? ctx.rng.int(ctx.cluster.nats.nodes.length);
    await ctx.killNats(i);
    await ctx.sleep(5_000);
    await ctx.restartNats(i);
  },
};

const pause: Scenario = {
  name: 'pause',
  what: 'SIGSTOP an agent holding a send for over 3 health-check intervals, then SIGCONT: its work moves, it must not send twice',
  async run(ctx) {
    await ctx.whenStarted(0.3);
    const victim = (await ctx.agentHoldingSend(10_000)) ?? ctx.rng.pick(ctx.running('agent'));
    ctx.pause(victim);
    await ctx.sleep(3 * ctx.healthCheckIntervalMs + 2_000);
    ctx.resume(victim);
  },
};

const single = [acceptorMinority, acceptorMajority, proposer, processor, agent, gateway, natsServer, pause];

const kinds: readonly ActorKind[] = ['gateway', 'processor', 'proposer', 'acceptor', 'learner', 'agent'];

const node: Scenario = {
  name: 'node',
  what: 'kill -9 every process of one node (the one whose agent holds a send, when there is one) mid-load, restart them later',
  async run(ctx) {
    await ctx.whenStarted(0.3);
    const nodeId = (await ctx.agentHoldingSend(10_000))?.nodeId ?? ctx.rng.pick(ctx.cluster.nodes).nodeId;
    // Without --split a node is one process serving every kind: kill it once.
    const victims = [
      ...new Map(
        kinds
          .flatMap((k) => ctx.running(k))
          .filter((p) => p.nodeId === nodeId)
          .map((p) => [p.name, p]),
      ).values(),
    ];
    await killAndRestart(ctx, victims, 3 * ctx.healthCheckIntervalMs + 1_000);
  },
};

const all: Scenario = {
  name: 'all',
  what: 'three of the scenarios above, one after another, chosen and timed by the seed',
  async run(ctx) {
    for (const s of pickN(ctx.rng, single, 3)) await s.run(ctx);
  },
};

/** `all` draws from `single` only, so the seeds of its recorded long runs replay the same faults. */
export const scenarios: readonly Scenario[] = [...single, node, all];
