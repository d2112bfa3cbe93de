// The configuration for a command-line tool: loadConfig, or the one line naming the bad variable and exit 2.
import { ConfigError, loadConfig, type Config } from '../actors/runtime/config.ts';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    process.exit(2);
  }
}
