// lib.mjs - what the browser tests share: weir processes, the demo publisher, headless Chromium.
// Servers come from scripts/test-web (WEIR_TEST_* variables); nothing here is a stand-in.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
// playwright-core is pinned in web/package-lock.json and installed there.
const require = createRequire(path.join(REPO, "web", "package.json"));
const { chromium } = require("playwright-core");

const NEEDED = ["WEIR_BIN", "WEIR_TEST_AMQP_PORT", "WEIR_TEST_MONGO_PORT", "WEIR_TEST_STATE_DIR"];

export function env(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`the browser tests need ${NEEDED.join(", ")} (scripts/test-web sets them); ${name} is missing`);
  }
  return v;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// One HTTP request with full control over headers; the body stays raw
// (no automatic decompression, unlike fetch).
export function request(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    // agent: false - one connection per request, closed after it, so no
    // idle keep-alive socket outlives a test.
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

export async function waitFor(what, fn, timeoutMs = 30000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
      last = null;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

// A weir process (Kore parent and workers, in their own process group)
// with its own exchange, queues and database on the shared test servers.
export class Weir {
  constructor(label, extraEnv = {}) {
    this.label = label;
    this.tag = crypto.randomBytes(4).toString("hex");
    this.exchange = `w${this.tag}.events`;
    this.dir = path.join(env("WEIR_TEST_STATE_DIR"), "web", `${label}-${this.tag}`);
    this.extraEnv = extraEnv;
  }

  // `ready`: the route that must answer 200 first. /readyz needs the
  // consumers up (role all); role api serves the web files without them.
  async start({ ready = "/readyz", timeoutMs = 60000 } = {}) {
    fs.mkdirSync(this.dir, { recursive: true });
    this.port = await freePort();
    const keep = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
      ["PATH", "HOME", "LANG", "TZ", "TMPDIR"].includes(k) || /^(ASAN|UBSAN|LSAN)_/.test(k)));
    const e = {
      ...keep,
      RABBITMQ_HOST: "127.0.0.1",
      RABBITMQ_PORT: env("WEIR_TEST_AMQP_PORT"),
      RABBITMQ_USERNAME: "guest",
      RABBITMQ_PASSWORD: "guest",
      MONGODB_URI: `mongodb://127.0.0.1:${env("WEIR_TEST_MONGO_PORT")}/`,
      WEIR_MONGODB_DATABASE: `weir_w${this.tag}`,
      WEIR_AMQP_EXCHANGE: this.exchange,
      WEIR_AMQP_QUEUE: `w${this.tag}.events.process`,
      WEIR_AMQP_DLX: `w${this.tag}.events.dlx`,
      WEIR_AMQP_DEAD_QUEUE: `w${this.tag}.events.dead`,
      WEIR_AGGREGATE_INTERVAL_MS: "500",
      WEIR_HTTP_ADDR: `127.0.0.1:${this.port}`,
      ...this.extraEnv,
    };
    this.out = fs.openSync(path.join(this.dir, "weir.stdout"), "a");
    this.err = fs.openSync(path.join(this.dir, "weir.stderr"), "a");
    this.proc = spawn(path.resolve(env("WEIR_BIN")), [], { env: e, cwd: this.dir, detached: true, stdio: ["ignore", this.out, this.err] });
    this.exited = new Promise((resolve) => this.proc.on("exit", (code, sig) => resolve({ code, sig })));
    this.running = true;
    this.exited.then(() => { this.running = false; });
    await waitFor(`weir (${this.label}) to answer ${ready} with 200`, async () => {
      if (!this.running) throw new Error(`weir exited; see ${this.dir}/weir.stderr`);
      const r = await request(this.url(ready));
      if (r.status !== 200) throw new Error(`${ready} answered ${r.status} ${r.body.toString().slice(0, 200)}`);
      return true;
    }, timeoutMs);
    return this;
  }

  url(p = "/") {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  // SIGTERM as a container runtime sends it; SIGKILL to the group if weir
  // outlives its 10 s drain contract by far.
  async stop() {
    if (!this.proc || !this.running) return;
    this.proc.kill("SIGTERM");
    const done = await Promise.race([this.exited, sleep(20000).then(() => null)]);
    if (done === null) {
      try { process.kill(-this.proc.pid, "SIGKILL"); } catch { /* gone */ }
      await this.exited;
    }
    fs.closeSync(this.out);
    fs.closeSync(this.err);
  }
}

// The demo publisher (scripts/demo-publisher.py) sending to a weir's exchange.
export function publish(weir, { rate = 40, seconds = 60 } = {}) {
  const log = fs.openSync(path.join(weir.dir, "publisher.log"), "a");
  const p = spawn("/usr/bin/python3", [path.join(REPO, "scripts", "demo-publisher.py"),
    "--host", "127.0.0.1", "--port", env("WEIR_TEST_AMQP_PORT"), "--username", "guest",
    "--exchange", weir.exchange, "--rate", String(rate), "--duration", String(seconds),
    "--invalid-ratio", "0.05", "--seed", "7"],
  { env: { ...process.env, RABBITMQ_PASSWORD: "guest" }, stdio: ["ignore", log, log] });
  const exited = new Promise((resolve) => p.on("exit", resolve));
  return {
    async stop() {
      if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
      await exited;
      fs.closeSync(log);
    },
  };
}

export async function browser() {
  const executablePath = process.env.WEIR_CHROMIUM || "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath} (scripts/install-deps installs Debian's chromium)`);
  }
  // --no-sandbox: Chromium's sandbox refuses to run as root, which CI is.
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

// A page that records console errors, failed requests and any request that
// leaves the server under test (the pages must load nothing from elsewhere).
export async function watchedPage(b, base, viewport = { width: 1280, height: 900 }) {
  const page = await b.newPage({ viewport });
  const origin = new URL(base).origin;
  page.problems = { console: [], foreign: [], pageErrors: [] };
  page.on("console", (m) => { if (m.type() === "error") page.problems.console.push(m.text()); });
  page.on("pageerror", (e) => page.problems.pageErrors.push(e.message));
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith("data:")) page.problems.foreign.push(u);
  });
  return page;
}

export function screenshotPath(name) {
  const dir = process.env.WEIR_WEB_SCREENSHOTS || path.join(env("WEIR_TEST_STATE_DIR"), "web", "screenshots");
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

// Every operation of openapi/weir.yaml as "METHOD /path" (Debian's
// python3-yaml reads the YAML; node has no YAML parser of its own).
export function specOperations() {
  const file = path.join(REPO, "openapi", "weir.yaml");
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
  const r = spawnSync("/usr/bin/python3", ["-c", `
import json, sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
ops = []
for p, item in (doc.get("paths") or {}).items():
    for m in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
        if m in (item or {}):
            ops.append(m.upper() + " " + p)
print(json.dumps(sorted(ops)))
`, file], { encoding: "utf-8" });
  if (r.status !== 0) throw new Error(`reading ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
