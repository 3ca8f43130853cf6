// Browser test: a real rig, a real Chromium (Debian's, driven by playwright-core), RIG's
// documented EventSource snippet and a WebSocket. The page subscribes both to "greeting";
// the test publishes one event and waits until both have received it.
"use strict";
const assert = require("assert");
const { TIMEOUT, browserTest, publish } = require("./rig_browser");

browserTest({ page: "page.html" }, async ({ page, rig, pageUrl }) => {
  const rigUrl = `http://127.0.0.1:${rig.ports.inbound_port}`;
  await page.goto(`${pageUrl}?rig=${encodeURIComponent(rigUrl)}`);
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
});
