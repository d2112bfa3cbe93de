// Unit tests for specializations: the default map, the strict parser's one-line errors, and the fallback route.
import { expect } from 'chai';
import {
  agentSpecializations,
  DEFAULT_SPECIALIZATIONS,
  SpecializationsConfigError,
  fallbackRoute,
  parseSpecializations,
  specializationOf,
} from '../../../schemas/specializations.ts';

function errorOf(json: string): SpecializationsConfigError {
  try {
    parseSpecializations(json);
  } catch (e) {
    return e as SpecializationsConfigError;
  }
  throw new Error('expected parseSpecializations to throw');
}

describe('specializations', () => {
  it('defaults to the seed map', () => {
    expect(DEFAULT_SPECIALIZATIONS).to.deep.equal({
      support: ['customer', 'billing', 'technical'],
      sales: ['pricing', 'demo', 'enterprise'],
      general: ['info', 'routing', 'fallback'],
    });
  });

  it('parses a valid custom map', () => {
    expect(parseSpecializations('{"returns":["refunds","exchanges"],"general":["fallback"]}')).to.deep.equal({
      returns: ['refunds', 'exchanges'],
      general: ['fallback'],
    });
  });

  it('rejects invalid JSON naming the variable, with a coded error', () => {
    const e = errorOf('{support:');
    expect(e).to.be.instanceOf(SpecializationsConfigError);
    expect(e.name).to.equal('SpecializationsConfigError');
    expect(e.code).to.equal('EMAIL_BAD_SPECIALIZATIONS');
    expect(e.message).to.match(/^AGENT_SPECIALIZATIONS is not valid JSON/);
    expect(e.cause).to.be.instanceOf(SyntaxError);
  });

  it('rejects arrays, empty objects, empty topic lists and non-string topics, saying which', () => {
    expect(errorOf('[]').message).to.contain('must be a JSON object');
    expect(errorOf('{}').message).to.contain('at least one specialization');
    expect(errorOf('{"support":[]}').message).to.contain('"support" must map to a non-empty array');
    expect(errorOf('{"support":["billing",3]}').message).to.contain('topic 3 of "support"');
  });

  it('rejects names that are not lower-case identifiers', () => {
    expect(errorOf('{"Support Team":["x"]}').message).to.contain('specialization "Support Team"');
    expect(errorOf('{"support":["Billing Stuff"]}').message).to.contain('"Billing Stuff"');
  });

  it('rejects a topic listed under two specializations', () => {
    expect(errorOf('{"a":["x"],"b":["x"]}').message).to.contain('topic "x" appears under both "a" and "b"');
  });

  it('keeps every error message on one line', () => {
    for (const bad of ['{', '[]', '{"a":["x"],"b":["x"]}', 'null'])
      expect(errorOf(bad).message).not.to.contain('\n');
  });

  it('finds the owner of a topic', () => {
    expect(specializationOf(DEFAULT_SPECIALIZATIONS, 'demo')).to.equal('sales');
    expect(specializationOf(DEFAULT_SPECIALIZATIONS, 'nope')).to.equal(undefined);
  });

  it('routes unmatched mail to fallback, else general, else the first topic', () => {
    expect(fallbackRoute(DEFAULT_SPECIALIZATIONS)).to.deep.equal({
      specialization: 'general',
      topic: 'fallback',
    });
    expect(fallbackRoute({ x: ['a'], general: ['misc'] })).to.deep.equal({
      specialization: 'general',
      topic: 'misc',
    });
    expect(fallbackRoute({ x: ['a', 'b'] })).to.deep.equal({ specialization: 'x', topic: 'a' });
  });

  describe('agentSpecializations', function () {
    it('hands out the map keys round-robin by agent index', function () {
      const map = { support: ['billing'], sales: ['pricing'], general: ['fallback'] };
      expect(agentSpecializations(map, 'n1-agent-0')).to.deep.equal(['support']);
      expect(agentSpecializations(map, 'n1-agent-1')).to.deep.equal(['sales']);
      expect(agentSpecializations(map, 'n1-agent-4')).to.deep.equal(['sales']);
    });
  });
});
