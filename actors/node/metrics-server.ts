// Serves the process's one registry on METRICS_PORT (GET /metrics) and its liveness (GET /health, for probes of processes
// without a gateway); it serves nothing else.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../telemetry/logger.ts';
import { registry } from '../../telemetry/metrics.ts';

export interface MetricsServer {
  /** `http://host:port/metrics`, or undefined when the port could not be bound. */
  url: string | undefined;
  close(): void;
}

/**
 * Listens on `port` (0: any free one); a busy port is one error line and no server, never a failed node. `healthy` is
 * this node's own verdict: another node in the same process (tests run several) must not answer for it.
 */
export async function serveMetrics(
  port: number,
  host: string,
  logger: Logger,
  healthy: () => boolean,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      // This node's share of system_health_status: connected to NATS and every one of its actors running.
      const ok = healthy();
      return void res
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ status: ok ? 'healthy' : 'unhealthy' }));
    }
    if (req.method !== 'GET' || req.url !== '/metrics') return void res.writeHead(404).end();
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
      .catch(() => res.writeHead(500).end());
  });
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', (e) => {
      logger.error(`metrics port ${port} unavailable: ${e.message}`);
      resolve(false);
    });
    server.listen(port, host, () => resolve(true));
  });
  if (!bound) return { url: undefined, close: () => undefined };
  const addr = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { url: `http://${shown}:${addr.port}/metrics`, close: () => server.close() };
}
