// The node20 template's HTTP server: of-watchdog (http mode) forwards each request here. Same contract as
// OpenFaaS's node20 template, without Express: the function exports `async (event, context)`, where
// `event` has body, headers, method, query and path, and `context` has status(), headers(), succeed()
// and fail(); a value the handler returns is sent when it called neither.
//
// Settings (env):
//   RAW_BODY=true   event.body is the exact request bytes, a Buffer (also for an empty body)
//   MAX_RAW_SIZE    body limit with RAW_BODY, e.g. 5mb, 512kb, 1048576 (default 5mb); larger bodies get 413
//   MAX_JSON_SIZE   body limit otherwise (default 100kb)
//   http_port       port to listen on (default 3000, where of-watchdog's upstream_url points)
//   http_host       address to listen on (default: all interfaces)
//   max_inflight    requests in flight (being read, waiting or handled); more get 429 with Retry-After
//                   (default: no limit). The same name as of-watchdog's setting, which enforces it in
//                   front of this server in the image.
//   MAX_BODIES_IN_MEMORY  total declared size of the bodies being read and handled at once (default 4mb);
//                   a request that would go over it waits, unread, until earlier ones are answered
//                   (one request is always let through, whatever its size)
//   GC_EVERY        after this many bytes of request bodies have been handled, a full garbage collection
//                   frees their buffers at once (default 16mb; 0 leaves it to V8, which let tens of MB of
//                   finished bodies wait: docs/BENCHMARKS.md)
//   read_timeout    how long reading one body may take once its turn has come (10s, 1m, 500ms, or whole
//                   seconds; default 10s); a slower sender gets 408 and frees its share of
//                   MAX_BODIES_IN_MEMORY. The same name as of-watchdog's setting, which also times out reads.
//   HANDLER_PATH    the compiled handler module (default ./function/dist/handler.js beside this file)
//
// An empty setting counts as unset.
//
// Requests this server refuses itself (408, 413, 429, an unreadable body or request target) get a plain-text
// answer and one JSON log line on stdout.

import http from 'node:http';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const rawBody = process.env.RAW_BODY === 'true';
const limit = rawBody
  ? parseSize('MAX_RAW_SIZE', process.env.MAX_RAW_SIZE, '5mb')
  : parseSize('MAX_JSON_SIZE', process.env.MAX_JSON_SIZE, '100kb');
const maxInflight = parseCount('max_inflight', process.env.max_inflight);
const bodiesBudget = parseSize('MAX_BODIES_IN_MEMORY', process.env.MAX_BODIES_IN_MEMORY, '4mb');
const collectEvery = parseSize('GC_EVERY', process.env.GC_EVERY, '16mb');
const readTimeoutMs = parseDuration('read_timeout', process.env.read_timeout, '10s');
const handlerUrl = process.env.HANDLER_PATH
  ? pathToFileURL(resolve(process.env.HANDLER_PATH)).href
  : new URL('./function/dist/handler.js', import.meta.url).href;

let handler;
try {
  const mod = await import(handlerUrl);
  handler = typeof mod.default === 'function' ? mod.default : mod.handler;
  if (typeof handler !== 'function') throw new Error(`${handlerUrl} exports no handler function`);
} catch (err) {
  // A function that cannot start must not take traffic: say why, once, and exit non-zero.
  console.error(`node20: the function failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}

class FunctionContext {
  constructor(done) {
    this.statusCode = 200;
    this.headerValues = {};
    this.done = done;
    this.cbCalled = 0;
  }

  status(code) {
    if (code === undefined) return this.statusCode;
    this.statusCode = code;
    return this;
  }

  headers(values) {
    if (values === undefined) return this.headerValues;
    this.headerValues = values;
    return this;
  }

  succeed(value) {
    this.cbCalled++;
    this.done(undefined, value);
  }

  fail(error) {
    if (this.statusCode === 200) this.statusCode = 500;
    this.cbCalled++;
    this.done(error);
  }
}

class BodyTooLarge extends Error {}
class BodyTooSlow extends Error {}

function parseSize(name, value, fallback) {
  const text = (value?.trim() || fallback).toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/.exec(text);
  if (!m) {
    console.error(`node20: ${name}="${value}" is not a size like 5mb, 512kb or 1048576`);
    process.exit(1);
  }
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[m[2] ?? 'b'];
  return Math.floor(Number(m[1]) * unit);
}

function parseDuration(name, value, fallback) {
  const text = (value?.trim() || fallback).toLowerCase();
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m || Number(m[1]) === 0) {
    console.error(`node20: ${name}="${value}" is not a duration like 10s, 1m, 500ms or 30`);
    process.exit(1);
  }
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'];
}

function parseCount(name, value) {
  if (value === undefined || value.trim() === '' || value.trim() === '0') return Infinity;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`node20: ${name}="${value}" is not a whole number`);
    process.exit(1);
  }
  return n;
}

function logRefusal(req, status, reason) {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'warn', msg: 'request refused by the template server', method: req.method, status, reason })}\n`,
  );
}

function refuse(req, res, status, reason, message, headers = {}) {
  logRefusal(req, status, reason);
  send(res, status, { 'Content-Type': 'text/plain', ...headers }, `${message}\n`);
}

/** The request's Content-Length as a number; NaN when it has none (a chunked body). */
function declaredLength(req) {
  return req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length']);
}

function readBody(req) {
  return new Promise((resolveBody, reject) => {
    const declared = declaredLength(req);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    // With a declared length the body is copied into one buffer as it arrives, so a body never takes
    // twice its size (chunks plus their concatenation) while many large ones arrive at once.
    const whole = Number.isFinite(declared) ? Buffer.allocUnsafe(declared) : undefined;
    const chunks = [];
    let size = 0;
    // A sender that stalls must not keep its share of MAX_BODIES_IN_MEMORY, and with it everyone's turn.
    const timer = setTimeout(() => {
      req.removeAllListeners('data');
      reject(new BodyTooSlow());
    }, readTimeoutMs);
    req.on('data', (chunk) => {
      if (size + chunk.length > limit || (whole && size + chunk.length > whole.length)) {
        req.removeAllListeners('data');
        clearTimeout(timer);
        reject(new BodyTooLarge());
        return;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (whole) resolveBody(size === whole.length ? whole : whole.subarray(0, size));
      else resolveBody(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function decodeBody(raw, contentType) {
  if (rawBody) return raw;
  const type = (contentType ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    return raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  }
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  if (type.startsWith('text/')) return raw.toString('utf8');
  return raw;
}

function send(res, status, headers, payload) {
  if (res.headersSent) return;
  let body = payload;
  const out = { ...headers };
  const hasType = Object.keys(out).some((k) => k.toLowerCase() === 'content-type');
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) {
    body = JSON.stringify(body);
    if (!hasType) out['Content-Type'] = 'application/json';
  } else if (body === undefined || body === null) {
    body = '';
  } else if (!Buffer.isBuffer(body)) {
    body = String(body);
  }
  res.writeHead(status, out);
  res.end(body);
}

async function onRequest(req, res) {
  let url;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    refuse(req, res, 400, 'bad_request_target', 'The request target is not a valid path');
    req.resume();
    return;
  }
  let raw;
  try {
    raw = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      // Stop reading the rest of an oversized body and close the connection once answered.
      refuse(req, res, 413, 'body_too_large', `Request body larger than the limit of ${limit} bytes`, {
        Connection: 'close',
      });
      res.on('finish', () => req.destroy());
      return;
    }
    if (err instanceof BodyTooSlow) {
      refuse(req, res, 408, 'body_too_slow', `Request body not received within ${readTimeoutMs} ms`, {
        Connection: 'close',
      });
      res.on('finish', () => req.destroy());
      return;
    }
    refuse(req, res, 400, 'unreadable_body', 'Could not read the request body');
    return;
  }
  let body;
  try {
    body = decodeBody(raw, req.headers['content-type']);
  } catch {
    refuse(req, res, 400, 'invalid_json', 'Request body is not valid JSON');
    return;
  }
  const event = {
    body,
    headers: req.headers,
    method: req.method,
    query: Object.fromEntries(url.searchParams),
    path: url.pathname,
  };
  const context = new FunctionContext((err, value) => {
    if (err) {
      // Logged, not echoed: an error's text can carry what the caller must not see.
      console.error(err);
      send(res, context.status(), { 'Content-Type': 'text/plain' }, 'Internal Server Error\n');
      return;
    }
    send(res, context.status(), context.headers(), value);
  });
  try {
    const value = await handler(event, context);
    if (!context.cbCalled) context.succeed(value);
  } catch (err) {
    context.fail(err);
  }
}

let inflight = 0;

// Bodies wait their turn instead of all being read at once: while a request waits, its bytes stay in the
// kernel's socket buffers and TCP slows the sender, so memory is bounded by MAX_BODIES_IN_MEMORY however
// many large deliveries arrive together, and none of them is refused for it.
let bodiesHeld = 0;
const waiting = [];

function bodySize(req) {
  const declared = declaredLength(req);
  // Over the limit: refused (413) before any of it is read, so it holds nothing.
  if (declared > limit) return 0;
  return Number.isFinite(declared) && declared >= 0 ? declared : limit;
}

// Runs `fn` once, when the response is done or its connection is gone, whichever comes first: a response
// queued behind an earlier pipelined one gets no 'close' of its own when the client hangs up.
const pendingOnSocket = new WeakMap();

// Its own function, so the connection's listener holds only the set, not the first request's closures
// (which would keep that request, and its body, alive as long as the connection).
function pendingOn(socket) {
  let pending = pendingOnSocket.get(socket);
  if (!pending) {
    const created = new Set();
    pendingOnSocket.set(socket, created);
    socket.once('close', () => {
      for (const done of [...created]) done();
    });
    pending = created;
  }
  return pending;
}

function whenDone(req, res, fn) {
  const socket = req.socket;
  const pending = pendingOn(socket);
  let called = false;
  const done = () => {
    if (called) return;
    called = true;
    pending.delete(done);
    fn();
  };
  pending.add(done);
  res.once('close', done);
  if (socket.destroyed) done();
}

function admit(req, res) {
  const size = bodySize(req);
  const start = () => {
    bodiesHeld += size;
    whenDone(req, res, () => {
      bodiesHeld -= size;
      collectAfter(size);
      admitWaiting();
    });
    onRequest(req, res).catch((err) => {
      console.error(err);
      send(res, 500, { 'Content-Type': 'text/plain' }, 'Internal Server Error\n');
    });
  };
  if (waiting.length === 0 && (bodiesHeld === 0 || bodiesHeld + size <= bodiesBudget)) {
    start();
    return;
  }
  const entry = { size, start, gone: false };
  waiting.push(entry);
  // A sender that gives up while waiting leaves the queue, and the next one may go in its place.
  whenDone(req, res, () => {
    entry.gone = true;
    admitWaiting();
  });
}

// Buffers of finished bodies are freed only when V8 collects the objects that held them, and V8 waits
// for tens of MB of them first: 32 concurrent 1 MiB batches peaked at 140-170 MB RSS instead of ~125.
// A full collection every GC_EVERY bytes of bodies (a few ms with the receiver's small heap) bounds that.
// gc() is exposed only when first needed: a --expose-gc flag on the command line would cost every cold
// start 10-15 ms (node's own code cache is not used when V8 flags are given).
let bytesSinceCollect = 0;
let collect;
function collectAfter(size) {
  if (collectEvery === 0) return;
  bytesSinceCollect += size;
  if (bytesSinceCollect < collectEvery) return;
  bytesSinceCollect = 0;
  if (!collect) {
    v8.setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc');
  }
  collect();
}

function admitWaiting() {
  while (waiting.length > 0) {
    const next = waiting[0];
    if (!next.gone && bodiesHeld > 0 && bodiesHeld + next.size > bodiesBudget) return;
    waiting.shift();
    if (!next.gone) next.start();
  }
}

const server = http.createServer((req, res) => {
  if (inflight >= maxInflight) {
    // Over the limit: refuse before reading the body, so memory stays bounded; senders retry 429.
    // Read and drop the body (holding none of it), then answer: a client still sending would otherwise
    // see its connection cut instead of the 429.
    let drained = 0;
    req.on('data', (chunk) => (drained += chunk.length));
    req.once('end', () => {
      refuse(req, res, 429, 'too_many_requests', 'Too many requests in flight', { 'Retry-After': '1' });
      // Dropped bodies leave buffers to free as well.
      collectAfter(drained);
    });
    req.once('error', () => req.destroy());
    return;
  }
  inflight++;
  whenDone(req, res, () => inflight--);
  admit(req, res);
});

const port = Number(process.env.http_port || 3000);
const host = process.env.http_host || undefined;
server.listen(port, host, () => {
  const address = server.address();
  console.log(`node20 listening on ${typeof address === 'string' ? address : `${address.address}:${address.port}`}`);
});

// On SIGTERM (scale-down, rollout) finish the requests in flight before exiting, so no delivery that is
// being archived is cut off; the sender retries anything that was not answered.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
