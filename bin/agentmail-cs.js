#!/usr/bin/env node
// Runs any set of actors in one process: agentmail-cs --actors gateway,processor,proposer,acceptor:3,learner,agent:3
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scripts/node.ts');
await main(process.argv.slice(2));
