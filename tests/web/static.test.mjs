// static.test.mjs - the embedded web files over plain HTTP: types, bytes, gzip, ETag/304, HEAD,
// errors and route metrics, against a real weir on the test RabbitMQ and FerretDB.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

import { REPO, Weir, request } from "./lib.mjs";

const DIST = path.join(REPO, "web", "node_modules", "swagger-ui-dist");
const FILES = [
  // [url, content type, file it must equal byte for byte]
  ["/", "text/html; charset=utf-8", path.join(REPO, "assets", "index.html")],
  ["/status.js", "text/javascript; charset=utf-8", path.join(REPO, "assets", "status.js")],
  ["/status.css", "text/css; charset=utf-8", path.join(REPO, "assets", "status.css")],
  ["/favicon.ico", "image/png", path.join(DIST, "favicon-32x32.png")],
  ["/docs", "text/html; charset=utf-8", path.join(REPO, "assets", "docs.html")],
  ["/docs/", "text/html; charset=utf-8", path.join(REPO, "assets", "docs.html")],
  ["/docs/docs.js", "text/javascript; charset=utf-8", path.join(REPO, "assets", "docs.js")],
  ["/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", path.join(DIST, "swagger-ui-bundle.js")],
  ["/docs/swagger-ui.css", "text/css; charset=utf-8", path.join(DIST, "swagger-ui.css")],
  ["/docs/favicon-32x32.png", "image/png", path.join(DIST, "favicon-32x32.png")],
  ["/docs/LICENSE.txt", "text/plain; charset=utf-8", path.join(DIST, "LICENSE")],
  ["/docs/NOTICE.txt", "text/plain; charset=utf-8", path.join(DIST, "NOTICE")],
  ["/docs/swagger-ui-bundle.js.LICENSE.txt", "text/plain; charset=utf-8", path.join(DIST, "swagger-ui-bundle.js.LICENSE.txt")],
];

let weir;
before(async () => { weir = await new Weir("static", { WEIR_ROLE: "api" }).start({ ready: "/healthz" }); });
after(async () => { await weir?.stop(); });

test("every embedded file is served whole, with its type, an ETag and revalidation", async () => {
  for (const [url, type, file] of FILES) {
    const r = await request(weir.url(url), { headers: { "accept-encoding": "identity" } });
    assert.equal(r.status, 200, url);
    assert.equal(r.headers["content-type"], type, url);
    assert.equal(r.headers["content-encoding"], undefined, url);
    assert.equal(r.headers["cache-control"], "no-cache", url);
    assert.equal(r.headers["x-content-type-options"], "nosniff", url);
    assert.match(r.headers.etag, /^"[0-9a-f]{64}"$/, url);
    assert.ok(r.body.equals(fs.readFileSync(file)), `${url} differs from ${file}`);
  }
});

test("the large Swagger UI files go out gzipped to clients that take gzip", async () => {
  for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
    const url = weir.url(`/docs/${name}`);
    const plain = await request(url, { headers: { "accept-encoding": "identity" } });
    const gz = await request(url, { headers: { "accept-encoding": "gzip, deflate, br" } });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers["content-encoding"], "gzip", name);
    assert.equal(gz.headers.vary, "accept-encoding", name);
    assert.ok(gz.body.length < plain.body.length / 3, `${name}: ${gz.body.length} gzipped bytes`);
    assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), `${name}: gunzip differs from the plain copy`);
    // Two representations, two strong validators.
    assert.notEqual(gz.headers.etag, plain.headers.etag);
    const refused = await request(url, { headers: { "accept-encoding": "gzip;q=0, br" } });
    assert.equal(refused.headers["content-encoding"], undefined);
    assert.equal(refused.body.length, plain.body.length);
  }
});

test("a matching If-None-Match gets 304 without a body; a stale one the file", async () => {
  const url = weir.url("/docs/swagger-ui-bundle.js");
  const first = await request(url, { headers: { "accept-encoding": "gzip" } });
  const again = await request(url, { headers: { "accept-encoding": "gzip", "if-none-match": first.headers.etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, first.headers.etag);
  const stale = await request(url, { headers: { "accept-encoding": "gzip", "if-none-match": "\"0000\"" } });
  assert.equal(stale.status, 200);
  assert.equal(stale.body.length, first.body.length);
  // The page itself revalidates the same way.
  const page = await request(weir.url("/"));
  assert.equal((await request(weir.url("/"), { headers: { "if-none-match": `W/${page.headers.etag}` } })).status, 304);
});

test("HEAD answers like GET without the body", async () => {
  const r = await request(weir.url("/docs/swagger-ui.css"), { method: "HEAD", headers: { "accept-encoding": "identity" } });
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
  assert.equal(Number(r.headers["content-length"]), fs.statSync(path.join(DIST, "swagger-ui.css")).size);
});

test("the pages forbid scripts and fetches from elsewhere", async () => {
  for (const url of ["/", "/docs"]) {
    const csp = (await request(weir.url(url))).headers["content-security-policy"] || "";
    assert.match(csp, /default-src 'none'/, url);
    assert.match(csp, /script-src 'self'(;|$)/, url);
    assert.match(csp, /connect-src 'self'(;|$)/, url);
    assert.match(csp, /frame-ancestors 'none'/, url);
  }
});

test("other methods get 405 with Allow; unknown files 404, both as problem+json", async () => {
  for (const url of ["/", "/docs", "/docs/swagger-ui-bundle.js"]) {
    const r = await request(weir.url(url), { method: "POST", body: "x" });
    assert.equal(r.status, 405, url);
    assert.equal(r.headers.allow, "GET, HEAD", url);
    assert.equal(r.headers["content-type"], "application/problem+json", url);
    assert.equal(JSON.parse(r.body).status, 405);
  }
  for (const url of ["/docs/nope.js", "/docs/swagger-ui.js", "/docs/swagger-ui-bundle.js.map", "/index.html", "/status"]) {
    const r = await request(weir.url(url));
    assert.equal(r.status, 404, url);
    assert.equal(r.headers["content-type"], "application/problem+json", url);
    assert.equal(JSON.parse(r.body).status, 404, url);
  }
});

test("/metrics counts the pages under their route templates", async () => {
  await request(weir.url("/docs"));
  await request(weir.url("/"));
  await request(weir.url("/docs/docs.js"));
  const text = (await request(weir.url("/metrics"))).body.toString();
  const count = (route) => {
    const re = new RegExp(`^weir_http_requests_total\\{route="${route.replace(/[/{}]/g, "\\$&")}",method="GET",code="200"\\} (\\d+)$`, "m");
    const m = text.match(re);
    return m ? Number(m[1]) : 0;
  };
  assert.ok(count("/docs") >= 1, "route=/docs");
  assert.ok(count("/") >= 1, "route=/");
  assert.ok(count("/{asset}") >= 1, "route=/{asset}");
});
