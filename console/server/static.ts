// Serves the front end's built files (console/web/dist): the file asked for when it lies inside the folder, else
// index.html for the single-page app's own routes. Hashed assets are cached for a year, index.html never.
import { createReadStream, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export type StaticAnswer = { file: string; type: string; cache: string; size: number } | { notFound: string };

/** A file of the folder: a regular file whose real path lies inside the folder's real path, or undefined. */
function inside(root: string, relative: string): { file: string; size: number } | undefined {
  const candidate = path.resolve(root, `.${path.posix.sep}${relative}`);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return undefined;
  try {
    const real = realpathSync(candidate);
    if (real !== root && !real.startsWith(root + path.sep)) return undefined; // a link out of the folder
    const stat = statSync(real);
    return stat.isFile() ? { file: real, size: stat.size } : undefined;
  } catch {
    return undefined;
  }
}

/** What to send for a GET of `urlPath` (no query): a file, the app's index.html, or why not. */
export function resolveStatic(webRoot: string | undefined, urlPath: string): StaticAnswer {
  let root: string;
  try {
    root = realpathSync(webRoot ?? '');
  } catch {
    return { notFound: 'the console front end is not built (console/web/dist is missing); the API is at /api' };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { notFound: 'not found' };
  }
  if (decoded.includes('\0')) return { notFound: 'not found' };
  const relative = path.posix.normalize(decoded).replace(/^\/+/, '');
  if (relative.split('/').includes('..')) return { notFound: 'not found' };
  const hit = relative && inside(root, relative);
  if (hit) {
    const ext = path.extname(hit.file).toLowerCase();
    const immutable = relative.startsWith('assets/');
    return { ...hit, type: TYPES[ext] ?? 'application/octet-stream', cache: immutable ? 'public, max-age=31536000, immutable' : 'no-cache' };
  }
  // A path with a file extension that is not there is a missing file, not an app route.
  if (path.posix.extname(relative) && !relative.endsWith('.html')) return { notFound: 'not found' };
  const index = inside(root, 'index.html');
  if (!index) return { notFound: 'the console front end is not built (index.html is missing)' };
  return { ...index, type: TYPES['.html'], cache: 'no-cache' };
}

export function sendStatic(reply: FastifyReply, answer: StaticAnswer): FastifyReply {
  if ('notFound' in answer) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: answer.notFound });
  return reply
    .header('content-type', answer.type)
    .header('cache-control', answer.cache)
    .header('x-content-type-options', 'nosniff')
    .header('content-length', answer.size)
    .send(createReadStream(answer.file));
}
