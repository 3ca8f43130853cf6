// Browser test of the live dashboard (issue 13): Chromium loads GET :api/dashboard from rig
// itself, a subscriber holds an SSE connection and a publisher runs; the test waits until the
// page's live numbers (connections, events in, delivered, latency, top types) change from what
// it first showed, and saves a screenshot under the build directory (dashboard.png).
"use strict";
const assert = require("assert");
const fs = require("fs");
const http = require("http");
const path = require("path");
const { TIMEOUT, browserTest, publish } = require("./rig_browser");

const BUILD_DIR = process.env.RIG_BUILD_DIR || path.join(__dirname, "..", "..", "build");
const SCREENSHOT = path.join(BUILD_DIR, "dashboard.png");
const TYPE = "dashboard.browser";

// An SSE subscriber to TYPE on rig's public port; resolves to the request once rig answered.
function subscribe(port) {
  const subs = encodeURIComponent(JSON.stringify([{ eventType: TYPE }]));
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port,
                           path: `/_rig/v1/connection/sse?subscriptions=${subs}` }, (res) => {
      assert.strictEqual(res.statusCode, 200);
      res.resume();
      resolve(req);
    });
    req.on("error", reject);
  });
}

browserTest({}, async ({ page, rig }) => {
  const text = (id) => page.$eval(`#${id}`, (e) => e.textContent);
  await page.goto(`http://127.0.0.1:${rig.ports.api_port}/dashboard`);
  await page.waitForFunction(() => window.dashboard.snapshots >= 1, null, { timeout: TIMEOUT });
  const before = { conn: await text("conn-sse"), in: await text("in-total"),
                   out: await text("out-total"), type: TYPE };
  assert.strictEqual(before.conn, "0");
  assert.strictEqual(await text("status"), "live");

  const subscriber = await subscribe(rig.ports.inbound_port);
  // The publisher runs (paced, so as not to load the machine) until the page has moved.
  let running = true, sent = 0;
  const publisher = (async () => {
    while (running) {
      const res = await publish(rig.ports.inbound_port, {
        specversion: "1.0", type: TYPE, source: "browser-dashboard-test", id: `d-${sent}` });
      assert.strictEqual(res.status, 202, res.body);
      sent += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    await page.waitForFunction((b) => {
      const t = (id) => document.getElementById(id).textContent;
      return t("conn-sse") === "1" && t("in-total") !== b.in && t("out-total") !== b.out &&
             t("in-rate") !== "0" && t("out-rate") !== "0" && t("lat-p50") !== "\u2013" &&
             t("types").includes(b.type);
    }, before, { timeout: TIMEOUT });
  } finally {
    running = false;
    await publisher;
  }
  const last = await page.evaluate(() => window.dashboard.last);
  assert.ok(last.events.in_total > 0 && last.events.delivered_total > 0, JSON.stringify(last));
  // Every number on the page is filled in once the stream runs.
  assert.notStrictEqual(await text("conn-total"), "\u2013");
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(fs.statSync(SCREENSHOT).size > 0);
  subscriber.destroy();
  console.log(`dashboard moved after ${sent} events (in ${await text("in-total")}, ` +
              `delivered ${await text("out-total")}); screenshot ${SCREENSHOT}`);
});
