// What the browser tests share: a real rig on free ports, a local server for the test page,
// Debian's headless Chromium (driven by playwright-core) and event publishing over HTTP.
"use strict";
const assert = require("assert");
const { chromium } = require("playwright-core");
const { spawn } = require("child_process");
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const readline = require("readline");

const BINARY = process.env.RIG_BINARY || path.join(__dirname, "..", "..", "build", "rig");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TLS_FIXTURES = path.join(__dirname, "..", "fixtures", "tls");
const TIMEOUT = 30000;

// Starts rig with `env` on top of free ports; resolves to { proc, ports } (the ready line).
// With `https`, the fixture certificate is served on free HTTPS ports too.
function startRig({ env = {}, https = false } = {}) {
  const tls = https ? {
    HTTPS_CERTFILE: path.join(TLS_FIXTURES, "rsa-cert.pem"),
    HTTPS_KEYFILE: path.join(TLS_FIXTURES, "rsa-key.pem"),
    INBOUND_HTTPS_PORT: "0", API_HTTPS_PORT: "0",
  } : {};
  const rig = spawn(BINARY, [], {
    env: Object.assign({}, process.env, {
      INBOUND_PORT: "0", API_HTTP_PORT: "0", RIG_BIND_ADDRESS: "127.0.0.1",
      RIG_API_BIND_ADDRESS: "127.0.0.1", RIG_READY_FILE: "/dev/stdout", RIG_SHARDS: "2",
    }, tls, env),
    stdio: ["ignore", "pipe", "inherit"],
  });
  // A failed test exits without stopping rig: do not leave it running.
  process.once("exit", () => { if (rig.exitCode === null) rig.kill("SIGKILL"); });
  return new Promise((resolve, reject) => {
    rig.on("exit", (code) => reject(new Error(`rig exited early with ${code}`)));
    readline.createInterface({ input: rig.stdout }).once("line", (line) => {
      rig.removeAllListeners("exit");
      resolve({ proc: rig, ports: JSON.parse(line) });
    });
  });
}

// SIGTERM; resolves to rig's exit code.
function stopRig(rig) {
  return new Promise((resolve) => {
    rig.proc.on("exit", (code) => resolve(code));
    rig.proc.kill("SIGTERM");
  });
}

// Serves the page file `name` (from this folder) at / on a free port.
function servePage(name) {
  const html = fs.readFileSync(path.join(__dirname, name));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// POST /_rig/v1/events on rig's plain public port; resolves to { status, body }.
function publish(port, event) {
  const body = JSON.stringify(event);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/_rig/v1/events", method: "POST",
      headers: { "content-type": "application/cloudevents+json" } }, (res) => {
      let data = "";
      res.on("data", (c) => { data += c; });
      res.on("end", () => resolve({ status: res.statusCode, body: data }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

// Runs `body(page, context)` in a fresh headless Chromium profile (extra command-line
// `args` on top of the usual ones) and cleans up after it.
async function withBrowser(args, body) {
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), "rig-chromium-"));
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           ...args],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on("console", (m) => console.log("page:", m.text()));
    page.on("pageerror", (e) => console.log("page error:", e.message));
    return await body(page, context);
  } finally {
    await context.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
}

// The whole of a browser test, run as the process (exit 0 on success, 1 with the error):
// starts rig (`rigOptions` as for startRig), serves `page` (none when not given: a test of
// rig's own pages), and calls `body({ page, context, rig, pageUrl })` in a fresh Chromium
// with `args`; then rig must exit 0 on SIGTERM.
function browserTest({ rig: rigOptions = {}, page: pageFile, args = [] }, body) {
  const main = async () => {
    const rig = await startRig(rigOptions);
    const server = pageFile ? await servePage(pageFile) : null;
    try {
      const pageUrl = server ? `http://127.0.0.1:${server.address().port}/` : null;
      await withBrowser(args, (page, context) => body({ page, context, rig, pageUrl }));
    } finally {
      if (server) server.close();
    }
    const code = await stopRig(rig);
    assert.strictEqual(code, 0, `rig exited with ${code} after SIGTERM`);
  };
  main().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { TIMEOUT, browserTest, publish };
