// The deployment files (Dockerfile, .dockerignore, docker-compose.yml, deploy/k8s, deploy/nats/auth.conf) parse and
// agree with the code: variable names, ports, probes, users, the acceptor set, the stop grace. No Docker engine needed.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../../actors/runtime/config.ts';
import { actorIdsOf, maxDrainMs, parseActorSpec } from '../../../actors/node/host.ts';
import { randomWebhookSecret } from '../../../scripts/sign-webhook.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Every variable the code reads: .env.example, which test/unit/runtime/config.test.ts holds equal to loadConfig's. */
const knownVariables = new Set(
  read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.slice(0, l.indexOf('='))),
);
const defaults = loadConfig({ NODE_ID: 'n1' });

const auth = read('deploy/nats/auth.conf');
const natsUsers = new Set([...auth.matchAll(/^\s*user:\s*(\w+)/gm)].map((m) => m[1]!));
const authVariables = new Set([...auth.matchAll(/password:\s*\$([A-Z_]+)/g)].map((m) => m[1]!));

/** Compose interpolation as docker compose does it: `${X:-default}` gives the default, `${X:?msg}` a set value. */
function interpolate(value: unknown): string {
  return String(value).replace(
    /\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g,
    (_m, name: string, fallback?: string) =>
      fallback !== undefined ? fallback : `set-${name.toLowerCase()}`,
  );
}

function durationSeconds(text: string): number {
  const m = /^(\d+)(s|m)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

describe('deployment files', () => {
  describe('Dockerfile and .dockerignore', () => {
    const dockerfile = read('deploy/Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);

    it('builds in stages and runs the last one as a user other than root', () => {
      expect(stages.length).to.be.at.least(2);
      const users = [...stages.at(-1)!.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
      expect(users).to.have.length.above(0);
      expect(users.at(-1)).to.not.match(/^(root|0)(:|$)/);
    });

    it('exposes the configured ports, checks /health and never copies a local .env', () => {
      const exposed = /^EXPOSE\s+(.+)$/m.exec(dockerfile)?.[1]?.split(/\s+/).map(Number);
      expect(exposed).to.include.members([defaults.gatewayPort, defaults.metricsPort]);
      expect(dockerfile).to.match(/^HEALTHCHECK .*\n?.*\/health/m);
      expect(dockerfile).to.not.match(/^COPY\s+\.\s/m);
      expect(dockerfile).to.not.match(/^(COPY|ADD)[^\n]*\.env/m);
      // The image's ENV: variables the code reads (NODE_ENV is Node's own), with values it accepts.
      const env = Object.fromEntries(
        [...dockerfile.matchAll(/^\s+([A-Z_]+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]),
      );
      delete env['NODE_ENV'];
      for (const name of Object.keys(env)) expect(knownVariables, `ENV ${name}`).to.include(name);
      const config = loadConfig({ NODE_ID: 'n1', ...env });
      expect(exposed).to.include.members([config.gatewayPort, config.metricsPort]);
    });

    it('keeps secrets, data and dependencies out of the build context', () => {
      const ignored = read('.dockerignore').split('\n');
      expect(ignored).to.include.members(['.env', '.data', 'node_modules']);
    });
  });

  describe('docker-compose.yml', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, Record<string, unknown>>;
    };
    const services = compose.services;
    const nodes = Object.entries(services).filter(([, s]) => s['build'] !== undefined);
    const natsServers = Object.entries(services).filter(([, s]) => String(s['image']).startsWith('nats:'));
    const envOf = (s: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries((s['environment'] ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          interpolate(v),
        ]),
      );

    it('has a 3-server NATS cluster and 3 nodes, each with a healthcheck', () => {
      expect(natsServers).to.have.length(3);
      expect(nodes).to.have.length(3);
      for (const [name, s] of [...natsServers, ...nodes])
        expect((s['healthcheck'] as { test?: unknown })?.test, name).to.be.an('array');
    });

    it('gives a node more stop grace than its longest drain', () => {
      for (const [name, s] of nodes)
        expect(durationSeconds(String(s['stop_grace_period'])) * 1000, name).to.be.above(maxDrainMs);
    });

    it('configures each node with variables the code reads, valid values, and the ports it listens on', () => {
      const nodeIds = new Set<string>();
      for (const [name, s] of nodes) {
        const env = envOf(s);
        for (const key of Object.keys(env)) expect(knownVariables, `${name}: ${key}`).to.include(key);
        const config = loadConfig(env);
        nodeIds.add(config.nodeId);
        const containerPorts = ((s['ports'] ?? []) as string[]).map((p) => Number(p.split(':').at(-1)));
        expect(containerPorts, name).to.include.members([config.gatewayPort, config.metricsPort]);
        expect(JSON.stringify(s['healthcheck'])).to.include(`:${config.gatewayPort}/health`);
        for (const url of config.natsServers) expect(services, url).to.have.property(new URL(url).hostname);
        expect(natsUsers, name).to.include(env['NATS_USER']);
      }
      expect(nodeIds.size, 'one NODE_ID per node').to.equal(nodes.length);
    });

    it('names every acceptor the nodes run in PAXOS_ACCEPTORS, and nothing else', () => {
      const running = nodes.flatMap(([, s]) => {
        const env = envOf(s);
        return actorIdsOf(env['NODE_ID']!, parseActorSpec(env['ACTORS']!), 'acceptor');
      });
      for (const [name, s] of nodes)
        expect(envOf(s)['PAXOS_ACCEPTORS']!.split(',').sort(), name).to.deep.equal(running.sort());
    });

    it('gives every NATS server its config, the users file it includes, and every password that file reads', () => {
      for (const [name, s] of natsServers) {
        const volumes = (s['volumes'] as string[]).map((v) => v.split(':'));
        const command = s['command'] as string[];
        const config = volumes.find(([, target]) => target === command[command.indexOf('-c') + 1]);
        expect(config, `${name} mounts its -c file`).to.not.equal(undefined);
        const include = /^include\s+(\S+)/m.exec(read(config![0]!.replace(/^\.\//, '')))?.[1];
        const configDir = config![1]!.slice(0, config![1]!.lastIndexOf('/'));
        expect(volumes.map(([src, target]) => [src, target])).to.deep.include([
          './deploy/nats/auth.conf',
          join(configDir, include!),
        ]);
        expect(Object.keys(envOf(s)).sort(), name).to.deep.equal([...authVariables].sort());
      }
    });
  });

  describe('Kubernetes manifests (deploy/k8s)', () => {
    type Doc = {
      kind: string;
      metadata: { name: string; labels?: Record<string, string> };
      data?: Record<string, string>;
      stringData?: Record<string, string>;
      spec?: Record<string, unknown>;
    };
    const docs: Doc[] = readdirSync(join(root, 'deploy', 'k8s'))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) =>
        parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => {
          expect(d.errors, f).to.deep.equal([]);
          return d.toJS() as Doc;
        }),
      );
    const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
    const configMaps = new Map(byKind('ConfigMap').map((c) => [c.metadata.name, c.data ?? {}]));
    const secretKeys = new Set(byKind('Secret').flatMap((s) => Object.keys(s.stringData ?? s.data ?? {})));

    interface Container {
      name: string;
      image: string;
      args?: string[];
      env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
      envFrom?: { configMapRef: { name: string } }[];
      ports?: { containerPort: number }[];
      readinessProbe?: { httpGet: { path: string; port: number } };
      livenessProbe?: { httpGet: { path: string; port: number } };
      resources?: { requests?: object; limits?: object };
      volumeMounts?: { name: string; mountPath: string }[];
    }
    interface Workload extends Doc {
      spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: Container[]; terminationGracePeriodSeconds?: number };
        };
        volumeClaimTemplates?: { metadata: { name: string } }[];
      };
    }
    const workloads = [...byKind('Deployment'), ...byKind('StatefulSet')] as Workload[];
    const ours = workloads.filter((w) =>
      w.spec.template.spec.containers.some((c) => c.image.startsWith('agentmail-cs')),
    );

    /** A value of the right form for a secret the cluster's operator fills in. */
    const secretStandIn = (key: string) =>
      key === 'AGENTMAIL_WEBHOOK_SECRET' ? randomWebhookSecret() : `secret-${key.toLowerCase()}-value`;

    /** The environment a container gets, with a stand-in for what Kubernetes fills at run time (NODE_ID, secrets). */
    function envOf(c: Container): Record<string, string> {
      const env: Record<string, string> = {};
      for (const from of c.envFrom ?? []) {
        expect(
          configMaps.has(from.configMapRef.name),
          `${c.name}: ConfigMap ${from.configMapRef.name}`,
        ).to.equal(true);
        Object.assign(env, configMaps.get(from.configMapRef.name));
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) expect(secretKeys, `${c.name}: secret key ${ref.key}`).to.include(ref.key);
        env[e.name] = e.value ?? (ref ? secretStandIn(ref.key) : 'pod-name-0');
      }
      return env;
    }

    it('runs every actor kind, each under the NATS user of its kind', () => {
      const kinds = ours.flatMap((w) => {
        const c = w.spec.template.spec.containers[0]!;
        const specs = parseActorSpec(c.args![c.args!.indexOf('--actors') + 1]!);
        expect(
          specs.map((s) => s.kind),
          w.metadata.name,
        ).to.deep.equal([envOf(c)['NATS_USER']]);
        expect(natsUsers).to.include(envOf(c)['NATS_USER']);
        return specs.map((s) => s.kind);
      });
      expect(kinds.sort()).to.deep.equal([
        'acceptor',
        'agent',
        'gateway',
        'learner',
        'processor',
        'proposer',
      ]);
    });

    it('configures every container with variables the code reads and values it accepts', () => {
      for (const w of ours)
        for (const c of w.spec.template.spec.containers) {
          const env = envOf(c);
          for (const key of Object.keys(env))
            expect(knownVariables, `${w.metadata.name}: ${key}`).to.include(key);
          expect(() => loadConfig(env), w.metadata.name).to.not.throw();
        }
    });

    it('probes /health where the process serves it, sets resources, and outlasts the drain', () => {
      for (const w of ours) {
        const c = w.spec.template.spec.containers[0]!;
        const config = loadConfig(envOf(c));
        const hasGateway = parseActorSpec(c.args![1]!).some((s) => s.kind === 'gateway');
        const port = hasGateway ? config.gatewayPort : config.metricsPort;
        for (const probe of [c.readinessProbe, c.livenessProbe])
          expect(probe?.httpGet, w.metadata.name).to.deep.equal({ path: '/health', port });
        expect(c.ports?.map((p) => p.containerPort)).to.include(port);
        expect(c.resources?.requests, w.metadata.name).to.be.an('object');
        expect(c.resources?.limits, w.metadata.name).to.be.an('object');
        expect(
          (w.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000,
          w.metadata.name,
        ).to.be.above(maxDrainMs);
      }
    });

    it('runs the acceptors as a StatefulSet with a volume each at DATA_DIR, all named in PAXOS_ACCEPTORS', () => {
      const set = ours.find(
        (w) =>
          w.kind === 'StatefulSet' &&
          parseActorSpec(w.spec.template.spec.containers[0]!.args![1]!).some((s) => s.kind === 'acceptor'),
      );
      expect(set, 'an acceptor StatefulSet').to.not.equal(undefined);
      const c = set!.spec.template.spec.containers[0]!;
      const env = envOf(c);
      const claim = set!.spec.volumeClaimTemplates?.[0]?.metadata.name;
      expect(c.volumeMounts).to.deep.include({ name: claim, mountPath: loadConfig(env).dataDir });
      const specs = parseActorSpec(c.args![1]!);
      const ids = Array.from({ length: set!.spec.replicas }, (_, i) =>
        actorIdsOf(`${set!.metadata.name}-${i}`, specs, 'acceptor'),
      ).flat();
      expect(env['PAXOS_ACCEPTORS']!.split(',')).to.deep.equal(ids);
    });

    it('keeps a majority of the acceptors (and of the NATS servers) through voluntary disruptions', () => {
      for (const set of workloads.filter((w) => w.kind === 'StatefulSet')) {
        const budget = byKind('PodDisruptionBudget').find((p) =>
          Object.entries((p.spec!['selector'] as { matchLabels: Record<string, string> }).matchLabels).every(
            ([k, v]) => set.spec.template.metadata.labels[k] === v,
          ),
        );
        expect(budget, `a PodDisruptionBudget for ${set.metadata.name}`).to.not.equal(undefined);
        expect(Number(budget!.spec!['minAvailable']), set.metadata.name).to.be.above(set.spec.replicas / 2);
      }
    });

    it('gives the NATS servers the users file and every password it reads', () => {
      const nats = workloads.find((w) => w.metadata.name === 'nats')!;
      const c = nats.spec.template.spec.containers[0]!;
      const env = new Set((c.env ?? []).map((e) => e.name));
      for (const v of authVariables) expect(env, v).to.include(v);
      const serverConf = configMaps.get('nats-config')!['nats.conf']!;
      const include = /^include\s+\.\/(\S+)/m.exec(serverConf)?.[1];
      expect(c.volumeMounts?.map((m) => m.mountPath)).to.include(`/etc/nats/${include}`);
      for (const url of configMaps.get('agentmail-cs-config')!['CLUSTER_NODES']!.split(','))
        expect(new URL(url).hostname).to.match(new RegExp(`^${nats.metadata.name}-[0-2]\\.`));
    });
  });
});
