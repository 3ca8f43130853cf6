// Browser test: a real rig, a real Chromium (Debian's, driven by playwright-core), RIG's
// documented EventSource snippet and a WebSocket. The page subscribes both to "greeting";
// the test publishes one event and waits until both have received it.
"use strict";
const { chromium } = require("playwright-core");
const { spawn } = require("child_process");
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const readline = require("readline");
const assert = require("assert");

const BINARY = process.env.RIG_BINARY || path.join(__dirname, "..", "..", "build", "rig");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 30000;

function startRig() {
  const rig = spawn(BINARY, [], {
    env: Object.assign({}, process.env, {
      INBOUND_PORT: "0", API_HTTP_PORT: "0", RIG_BIND_ADDRESS: "127.0.0.1",
      RIG_API_BIND_ADDRESS: "127.0.0.1", RIG_READY_FILE: "/dev/stdout", RIG_SHARDS: "2",
    }),
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    rig.on("exit", (code) => reject(new Error(`rig exited early with ${code}`)));
    readline.createInterface({ input: rig.stdout }).once("line", (line) => {
      rig.removeAllListeners("exit");
      resolve({ proc: rig, ports: JSON.parse(line) });
    });
  });
}

function servePage() {
  const html = fs.readFileSync(path.join(__dirname, "page.html"));
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

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

async function main() {
  const rig = await startRig();
  const server = await servePage();
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), "rig-chromium-"));
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on("console", (m) => console.log("page:", m.text()));
    page.on("pageerror", (e) => console.log("page error:", e.message));
    const rigUrl = `http://127.0.0.1:${rig.ports.inbound_port}`;
    await page.goto(`http://127.0.0.1:${server.address().port}/?rig=${encodeURIComponent(rigUrl)}`);
    await page.waitForFunction(() => window.subscribed.sse && window.subscribed.ws, null,
                               { timeout: TIMEOUT });

    const event = { specversion: "1.0", type: "greeting", source: "browser-test",
                    id: "browser-1", data: { text: "Hello from the browser test" } };
    const res = await publish(rig.ports.inbound_port, event);
    assert.strictEqual(res.status, 202, res.body);

    await page.waitForFunction(() => window.received.sse.length > 0 && window.received.ws.length > 0,
                               null, { timeout: TIMEOUT });
    const received = await page.evaluate(() => window.received);
    assert.strictEqual(received.sse[0].id, "browser-1");
    assert.deepStrictEqual(received.sse[0].event.data, event.data);
    assert.strictEqual(received.ws[0].event.id, "browser-1");
    assert.deepStrictEqual(received.ws[0].event.data, event.data);
    console.log("EventSource and WebSocket both received the event");
  } finally {
    await context.close();
    server.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
  const code = await new Promise((resolve) => {
    rig.proc.on("exit", (c) => resolve(c));
    rig.proc.kill("SIGTERM");
  });
  assert.strictEqual(code, 0, `rig exited with ${code} after SIGTERM`);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
