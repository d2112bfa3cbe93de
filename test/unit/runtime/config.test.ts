// Configuration: every variable is validated; a bad one exits the process with 2 and one line naming it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../actors/runtime/config.ts';
import { actorIdsOf, defaultActors, parseActorSpec } from '../../../actors/node/host.ts';
import { subjectOf, token, untoken, Subjects } from '../../../bus/subjects.ts';

describe('config', () => {
  it('has the seed defaults when nothing is set', () => {
    const c = loadConfig({ NODE_ID: 'n1' });
    expect(c).to.include({
      nodeId: 'n1',
      paxosTimeoutMs: 5_000,
      healthCheckIntervalMs: 10_000,
      openaiTimeoutMs: 10_000,
      gatewayPort: 5000,
      metricsPort: 8000,
    });
    expect(c.natsServers).to.deep.equal(['nats://127.0.0.1:4222']);
    expect(c.agentmailApiKey).to.equal(undefined);
    expect(c.openai).to.equal(undefined);
  });

  it('prefers CLUSTER_NODES over NATS_URL and accepts bare host:port', () => {
    const c = loadConfig({ NODE_ID: 'n1', NATS_URL: 'nats://x:1', CLUSTER_NODES: 'a:4222, nats://b:4223' });
    expect(c.natsServers).to.deep.equal(['nats://a:4222', 'nats://b:4223']);
  });

  it('reads OPENAI_TIMEOUT in seconds, fractions allowed', () => {
    expect(loadConfig({ NODE_ID: 'n1', OPENAI_TIMEOUT: '1.5' }).openaiTimeoutMs).to.equal(1_500);
  });

  const bad: [string, string, RegExp][] = [
    ['PAXOS_TIMEOUT', '-1', /PAXOS_TIMEOUT must be a number of seconds/],
    ['HEALTH_CHECK_INTERVAL', 'soon', /HEALTH_CHECK_INTERVAL must be/],
    ['OPENAI_TIMEOUT', '0', /OPENAI_TIMEOUT must be a number of seconds above 0 and at most 30/],
    ['OPENAI_TIMEOUT', '31', /OPENAI_TIMEOUT must be a number of seconds above 0 and at most 30/],
    ['STATE_REPLICATION_FACTOR', '7', /STATE_REPLICATION_FACTOR must be an integer from 1 to 5/],
    ['FLASK_PORT', '5000x', /FLASK_PORT must be an integer/],
    ['METRICS_PORT', '70000', /METRICS_PORT must be an integer/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of error, warn, info, debug/],
    ['NATS_URL', 'http://x:1', /NATS_URL must be a comma-separated list of NATS URLs/],
    ['NODE_ID', 'a.b', /NODE_ID must be letters/],
    ['AGENTMAIL_BASE_URL', 'ftp://x', /AGENTMAIL_BASE_URL must be an http\(s\) URL/],
    ['AGENTMAIL_WEBHOOK_SECRET', 'secret', /AGENTMAIL_WEBHOOK_SECRET must be a Svix secret/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name}=${value} with a ConfigError naming it`, () => {
      const env = { NODE_ID: 'n1', [name]: value };
      expect(() => loadConfig(env)).to.throw(ConfigError, message);
    });
  }

  it('reads one NATS authentication method and TLS files from the environment', () => {
    expect(loadConfig({ NODE_ID: 'n1' }).natsSecurity).to.deep.equal({
      auth: { method: 'none' },
      tls: { enabled: false },
    });
    expect(
      loadConfig({ NODE_ID: 'n1', NATS_USER: 'gateway', NATS_PASSWORD: 'pw' }).natsSecurity.auth,
    ).to.deep.equal({
      method: 'user',
      user: 'gateway',
      pass: 'pw',
    });
    expect(loadConfig({ NODE_ID: 'n1', NATS_TOKEN: 't0k' }).natsSecurity.auth).to.deep.equal({
      method: 'token',
      token: 't0k',
    });
    expect(loadConfig({ NODE_ID: 'n1', NATS_CREDS_FILE: '/run/x.creds' }).natsSecurity.auth).to.deep.equal({
      method: 'creds',
      credsFile: '/run/x.creds',
    });
    expect(loadConfig({ NODE_ID: 'n1', NATS_NKEY_SEED_FILE: '/run/seed' }).natsSecurity.auth).to.deep.equal({
      method: 'nkey',
      seedFile: '/run/seed',
    });
    const tls = loadConfig({
      NODE_ID: 'n1',
      NATS_TLS_CA_FILE: '/ca.pem',
      NATS_TLS_CERT_FILE: '/c.pem',
      NATS_TLS_KEY_FILE: '/k.pem',
    });
    expect(tls.natsSecurity.tls).to.deep.equal({
      enabled: true,
      caFile: '/ca.pem',
      certFile: '/c.pem',
      keyFile: '/k.pem',
    });
    expect(loadConfig({ NODE_ID: 'n1', NATS_URL: 'tls://nats:4222' }).natsSecurity.tls.enabled).to.equal(
      true,
    );
  });

  const badSecurity: [Record<string, string>, RegExp][] = [
    [{ NATS_USER: 'u' }, /^NATS_PASSWORD must be set when NATS_USER is/],
    [{ NATS_PASSWORD: 'p' }, /^NATS_USER must be set when NATS_PASSWORD is/],
    [
      { NATS_TOKEN: 'secret-token', NATS_CREDS_FILE: '/x' },
      /^NATS_CREDS_FILE must be unset when NATS_TOKEN is set/,
    ],
    [{ NATS_TLS_CERT_FILE: '/c.pem' }, /^NATS_TLS_KEY_FILE must be set together/],
    [{ NATS_TLS: 'maybe' }, /^NATS_TLS must be true or false/],
    [{ ADMIN_TOKEN: 'short' }, /^ADMIN_TOKEN must be 16 to 512 printable characters/],
    [{ ADMIN_TOKEN: 'has a space in it, long enough' }, /^ADMIN_TOKEN must be/],
  ];
  for (const [env, message] of badSecurity) {
    it(`rejects ${Object.keys(env).join('+')} (${message.source.slice(1, 40)}...) without echoing a secret`, () => {
      expect(() => loadConfig({ NODE_ID: 'n1', ...env }))
        .to.throw(ConfigError, message)
        .with.property('message')
        .that.does.not.match(/secret-token|short|space in it/);
    });
  }

  it('never echoes a secret in its error', () => {
    expect(() => loadConfig({ AGENTMAIL_WEBHOOK_SECRET: 'hunter2hunter2hunter2' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.does.not.include('hunter2');
  });

  describe('the business', () => {
    const file = (json: unknown) => () => JSON.stringify(json);

    it('is neutral when nothing is set: no company name, no signature, no support address', () => {
      expect(loadConfig({ NODE_ID: 'n1' }).business).to.deep.equal({
        companyName: undefined,
        signature: undefined,
        supportAddresses: [],
        roster: {},
      });
    });

    it('reads COMPANY_NAME, REPLY_SIGNATURE (\\n for a line break), SUPPORT_ADDRESSES and AGENT_ROSTER', () => {
      const b = loadConfig({
        COMPANY_NAME: 'Slotwise',
        REPLY_SIGNATURE: 'Best,\\nThe Slotwise team',
        SUPPORT_ADDRESSES: 'Support@Slotwise.io, billing@slotwise.io',
        AGENT_ROSTER: '{"n1-agent-0":["sales","support"]}',
      }).business;
      expect(b).to.deep.equal({
        companyName: 'Slotwise',
        signature: 'Best,\nThe Slotwise team',
        supportAddresses: ['support@slotwise.io', 'billing@slotwise.io'],
        roster: { 'n1-agent-0': ['sales', 'support'] },
      });
    });

    it('reads a BUSINESS_CONFIG file, and each variable wins over the file', () => {
      const json = {
        name: 'nordhost',
        company_name: 'Nordhost',
        signature: 'Groet,\nNordhost',
        support_addresses: ['support@nordhost.nl'],
        refund_limit: 250,
        handled_by_a_person: ['abuse reports'],
      };
      const c = loadConfig({ BUSINESS_CONFIG: 'nordhost.json' }, file(json));
      expect(c.business.companyName).to.equal('Nordhost');
      expect(c.business.supportAddresses).to.deep.equal(['support@nordhost.nl']);
      expect(c.escalateRefundAbove).to.equal(250);
      const over = loadConfig(
        { BUSINESS_CONFIG: 'x.json', COMPANY_NAME: 'Other', ESCALATE_REFUND_ABOVE: '10' },
        file(json),
      );
      expect(over.business.companyName).to.equal('Other');
      expect(over.escalateRefundAbove).to.equal(10);
    });

    const badBusiness: [Record<string, string>, (() => string) | undefined, RegExp][] = [
      [
        { SUPPORT_ADDRESSES: 'support@x.io, not-an-address' },
        undefined,
        /SUPPORT_ADDRESSES must be a comma-separated list of addresses/,
      ],
      [
        { AGENT_ROSTER: '{"n1-agent-0":["legal"]}' },
        undefined,
        /AGENT_ROSTER must be specializations of the map \(support, sales, general\)/,
      ],
      [{ AGENT_ROSTER: '[1,2]' }, undefined, /AGENT_ROSTER must be a JSON map of agent id/],
      [{ COMPANY_NAME: 'Two\nlines' }, undefined, /COMPANY_NAME must be one line/],
      [{ BUSINESS_CONFIG: 'b.json' }, () => '{not json', /BUSINESS_CONFIG must be a readable JSON file/],
      [
        { BUSINESS_CONFIG: 'b.json' },
        file({ company: 'typo' }),
        /BUSINESS_CONFIG must be a business file whose \/ must NOT have additional properties: company/,
      ],
      [
        { BUSINESS_CONFIG: 'b.json' },
        file({ support_addresses: ['x'] }),
        /BUSINESS_CONFIG must be a business file whose \/support_addresses\/0/,
      ],
      [
        { BUSINESS_CONFIG: 'missing.json' },
        () => {
          throw new Error('ENOENT: no such file');
        },
        /BUSINESS_CONFIG must be a readable JSON file \(ENOENT/,
      ],
    ];
    for (const [env, read, message] of badBusiness) {
      it(`rejects ${JSON.stringify(env)} with one line naming it`, () => {
        expect(() => loadConfig({ NODE_ID: 'n1', ...env }, read)).to.throw(ConfigError, message);
      });
    }
  });

  it('parses actor sets and rejects unknown kinds', () => {
    expect(parseActorSpec('gateway,acceptor:3,agent:2,agent')).to.deep.equal([
      { kind: 'gateway', count: 1 },
      { kind: 'acceptor', count: 3 },
      { kind: 'agent', count: 3 },
    ]);
    expect(() => parseActorSpec('gateway,robot')).to.throw(ConfigError, /--actors/);
    expect(() => parseActorSpec('acceptor:0')).to.throw(ConfigError);
  });

  it('parses kind@index as the one actor of that index, alone for its kind', () => {
    const specs = parseActorSpec('acceptor@2');
    expect(specs).to.deep.equal([{ kind: 'acceptor', count: 1, first: 2 }]);
    expect(actorIdsOf('n1', specs, 'acceptor')).to.deep.equal(['n1-acceptor-2']);
    expect(actorIdsOf('n1', parseActorSpec('agent:2'), 'agent')).to.deep.equal(['n1-agent-0', 'n1-agent-1']);
    expect(() => parseActorSpec('acceptor@1,acceptor')).to.throw(ConfigError, /alone/);
    expect(() => parseActorSpec('acceptor:2,acceptor@1')).to.throw(ConfigError, /alone/);
    expect(() => parseActorSpec('acceptor@64')).to.throw(ConfigError);
    expect(() => parseActorSpec('acceptor@1:2')).to.throw(ConfigError);
  });

  describe('.env.example', () => {
    const example = new Map(
      readFileSync(join(import.meta.dirname, '..', '..', '..', '.env.example'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('#'))
        .map((line): [string, string] => [
          line.slice(0, line.indexOf('=')),
          line.slice(line.indexOf('=') + 1),
        ]),
    );

    /** The names loadConfig reads from `env` (the OpenAI ones only with a key, so one is given). */
    function namesRead(env: Record<string, string>): Set<string> {
      const read = new Set<string>();
      loadConfig(
        new Proxy(env, {
          get: (target, name: string) => (read.add(name), target[name]),
        }),
      );
      return read;
    }

    it('lists every variable loadConfig reads, ACTORS, and nothing else', () => {
      const read = namesRead({ OPENAI_API_KEY: 'sk-test' });
      expect([...example.keys()].sort()).to.deep.equal([...read, 'ACTORS'].sort());
    });

    it('gives each variable its real default', () => {
      expect(loadConfig(Object.fromEntries(example))).to.deep.equal(loadConfig({}));
      expect(example.get('ACTORS')).to.equal(defaultActors);
    });
  });

  it('exits the process with code 2 and one line on a bad variable', function () {
    this.timeout(20_000);
    const r = spawnSync(process.execPath, ['bin/agentmail-cs.js'], {
      env: { ...process.env, STATE_REPLICATION_FACTOR: 'three' },
      encoding: 'utf8',
    });
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.deep.equal([
      'STATE_REPLICATION_FACTOR must be an integer from 1 to 5 (got "three")',
    ]);
  });
});

describe('subjects', () => {
  it('encodes outside ids so dots, wildcards and spaces never split a subject', () => {
    const s = subjectOf(Subjects.mailReceived, { inbox: 'support@acme.example' });
    expect(s.split('.')).to.have.length(4);
    expect(untoken(s.split('.')[3]!)).to.equal('support@acme.example');
    expect(token('a.b *>')).to.match(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses an unsafe actor id rather than spelling it raw', () => {
    expect(() => subjectOf(Subjects.agentWork, { agentId: 'a.b' })).to.throw(/not a subject-safe id/);
  });
});
