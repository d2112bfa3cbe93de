// The bearer-token check for /status, the status page and admin endpoints; must not log or echo a token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The status page's cookie: set from a valid token, sent back only to /status paths, never readable by scripts. */
const ADMIN_COOKIE = 'cs_admin';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests in constant time, so the answer's timing says nothing about how much of a guess matched. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(digest(expected), digest(given));
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

function cookieOf(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === ADMIN_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** True when the request carries the token, as `Authorization: Bearer` (API clients) or the page's cookie (browsers). */
export function isAdmin(request: FastifyRequest, token: string): boolean {
  return tokenMatches(token, bearerOf(request)) || tokenMatches(token, cookieOf(request));
}

/** The cookie a browser keeps after it signed in with the token: HttpOnly, same-site only, for /status paths. */
export function adminCookie(token: string): string {
  return `${ADMIN_COOKIE}=${encodeURIComponent(token)}; Path=/status; HttpOnly; SameSite=Strict`;
}

/** An onRequest hook that answers 401 (with how to authenticate) unless the request carries the admin token. */
export function requireAdmin(
  token: string,
  unauthorized: (request: FastifyRequest, reply: FastifyReply) => FastifyReply,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (isAdmin(request, token)) return;
    reply.header('www-authenticate', 'Bearer realm="agentmail-cs admin"');
    reply.header('cache-control', 'no-store');
    return unauthorized(request, reply);
  };
}
