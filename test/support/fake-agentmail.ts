// Tests use the fake AgentMail that `npm run chaos` runs too (scripts/fake-agentmail.ts); one implementation.
export * from '../../scripts/fake-agentmail.ts';
