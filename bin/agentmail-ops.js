#!/usr/bin/env node
// Watches and steers a running cluster over NATS: agentmail-ops status | watch | trace | assignments | dead-letters | drain | stop
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../ops/cli.ts');
/** @type {Promise<void>} */
const interrupted = new Promise((resolve) => process.once('SIGINT', () => resolve()));
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  isTty: process.stdout.isTTY === true,
  env: process.env,
  interrupted,
});
process.exit();
