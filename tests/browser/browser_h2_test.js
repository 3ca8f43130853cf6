// Browser test over HTTPS and HTTP/2: 20 EventSources of one page to one rig origin, each
// subscribed with RIG's snippet, all receive one published event. Over HTTP/1.1 a browser
// opens at most 6 connections per origin, so the 7th EventSource (and every PUT behind it)
// would wait; over h2 they are streams of one connection, which Chromium's own network log
// (CDP: protocol and connection id of each EventSource response) confirms.
"use strict";
const assert = require("assert");
const { TIMEOUT, browserTest, publish } = require("./rig_browser");

const N = 20;

browserTest({ rig: { https: true }, page: "many_eventsources.html",
              args: ["--ignore-certificate-errors"] }, async ({ page, context, rig, pageUrl }) => {
  const network = await context.newCDPSession(page);
  const sse = [];
  network.on("Network.responseReceived", ({ type, response }) => {
    if (type === "EventSource") sse.push(response);
  });
  await network.send("Network.enable");

  const rigUrl = `https://127.0.0.1:${rig.ports.inbound_https_port}`;
  await page.goto(`${pageUrl}?n=${N}&rig=${encodeURIComponent(rigUrl)}`);
  await page.waitForFunction((n) => window.subscribed === n || window.errors.length > 0, N,
                             { timeout: TIMEOUT });
  assert.deepStrictEqual(await page.evaluate(() => window.errors), []);

  const event = { specversion: "1.0", type: "greeting", source: "browser-test",
                  id: "browser-h2-1", data: { text: "Hello, 20 EventSources" } };
  const res = await publish(rig.ports.inbound_port, event);
  assert.strictEqual(res.status, 202, res.body);
  await page.waitForFunction((n) => window.received.length >= n, N, { timeout: TIMEOUT });
  const received = await page.evaluate(() => window.received);
  assert.deepStrictEqual(received.map((r) => r.source).sort((a, b) => a - b),
                         [...Array(N).keys()]);
  assert.ok(received.every((r) => r.id === "browser-h2-1"), JSON.stringify(received));

  assert.strictEqual(sse.length, N, "one response per EventSource in the network log");
  assert.deepStrictEqual([...new Set(sse.map((r) => r.protocol))], ["h2"]);
  assert.strictEqual(new Set(sse.map((r) => r.connectionId)).size, 1,
                     `connections: ${sse.map((r) => r.connectionId)}`);
  console.log(`${N} EventSources on one HTTP/2 connection received the event`);
});
