// Browser test of resume after a cut connection (issue 12): a plain EventSource reaches rig
// through a TCP relay that the test cuts twice mid-stream while greetings are published at a
// steady rate. Chromium reconnects by itself (after its default delay, ~3 s: rig sends no
// `retry:`) with the Last-Event-ID header, the page PUTs its subscriptions with the new token
// as RIG's snippet does, and rig replays what was missed. The page must end up with exactly
// the published ids, once each, in order.
"use strict";
const assert = require("assert");
const net = require("net");
const { TIMEOUT, browserTest, publish } = require("./rig_browser");

const COUNT = 200;
// The test cuts the relay once the page has the greetings before number `after` (publishing
// waits for the cut there: on a loaded machine the page could otherwise be sent everything up
// to `resume` before the cut lands), and publishing waits for the page's reconnect before
// greeting number `resume`: the page misses the events in between, then events come between
// its reconnect and its PUT, then live.
const CUTS = [{ after: 40, resume: 100 }, { after: 130, resume: 170 }];
const PACE_MS = 3;            // between publishes: pacing, not synchronisation

// A TCP relay on a free port that pipes each accepted connection to `port` and can cut all
// live ones (both sides, with a reset, as when the network goes away). `requests` keeps the
// Last-Event-ID header of each connection's first request ("" if none), in accept order.
function startRelay(port) {
  const live = new Set();
  const requests = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    const pair = { client, upstream };
    live.add(pair);
    let head = "";
    const index = requests.push(null) - 1;
    const sniff = (chunk) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      client.off("data", sniff);
      const match = /^last-event-id:[ \t]*(.*?)[ \t]*$/im.exec(head.split("\r\n\r\n")[0]);
      requests[index] = match ? match[1] : "";
    };
    client.on("data", sniff);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on("error", drop);
      socket.on("close", drop);
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: server.address().port,
    requests,
    // Cuts every live connection; returns how many there were.
    cut() {
      const pairs = [...live];
      for (const pair of pairs) {
        live.delete(pair);
        pair.client.resetAndDestroy();
        pair.upstream.resetAndDestroy();
      }
      return pairs.length;
    },
    close() {
      server.close();
      for (const { client, upstream } of live) {
        client.destroy();
        upstream.destroy();
      }
    },
  })));
}

browserTest({ page: "resume_page.html" }, async ({ page, rig, pageUrl }) => {
  const started = Date.now();
  const rigUrl = `http://127.0.0.1:${rig.ports.inbound_port}`;
  const relay = await startRelay(rig.ports.inbound_port);
  try {
    const ids = Array.from({ length: COUNT }, (_, i) => `resume-${String(i).padStart(3, "0")}`);
    let failed = null; // the publisher's error, which ends every wait below
    const failure = new Promise((_, reject) => { failed = reject; });
    failure.catch(() => {});
    // Resolves once `condition(arg)` holds on the page (polled), or fails with the publisher.
    const until = (condition, arg) => Promise.race([
      page.waitForFunction(condition, arg, { timeout: TIMEOUT, polling: 10 }), failure]);

    await page.goto(`${pageUrl}?sse=${encodeURIComponent(`http://127.0.0.1:${relay.port}`)}` +
                    `&rig=${encodeURIComponent(rigUrl)}`);
    await until(() => window.state.subscribed >= 1);

    const gates = {};
    const cutMade = CUTS.map(() => {
      let made = null;
      const promise = new Promise((resolve) => { made = resolve; });
      return { promise, made };
    });
    CUTS.forEach(({ after, resume }, k) => {
      gates[after] = () => Promise.race([cutMade[k].promise, failure]);
      gates[resume] = () => until((c) => window.state.creates >= c, k + 2);
    });
    const publishing = (async () => {
      for (let i = 0; i < COUNT; i++) {
        if (gates[i]) await gates[i]();
        const res = await publish(rig.ports.inbound_port, {
          specversion: "1.0", type: "greeting", source: "browser-resume-test", id: ids[i],
          data: { n: i } });
        assert.strictEqual(res.status, 202, res.body);
        await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    })();
    publishing.catch((err) => failed(err));

    // Each cut comes while publishing waits before greeting `after`, whatever the page got
    // last: rig's own events carry no SSE id, so the browser's Last-Event-ID is always its last
    // greeting.
    const cuts = [];
    for (const [k, { after }] of CUTS.entries()) {
      await until(([id, c]) => window.state.ids.includes(id) && window.state.creates === c,
                  [ids[after - 1], k + 1]);
      cuts.push({ connections: relay.cut(),
                  pageHad: await page.evaluate(() => window.state.ids.length) });
      cutMade[k].made();
    }
    await publishing;
    await until((last) => window.state.ids.includes(last), ids[COUNT - 1]);

    const state = await page.evaluate(() => window.state);
    console.log(`cuts: ${JSON.stringify(cuts)}; Last-Event-ID per connection: ` +
                `${JSON.stringify(relay.requests)}; reconnect after (ms): ` +
                `${JSON.stringify(state.reconnectMs)}; took ${Date.now() - started} ms`);
    assert.deepStrictEqual(state.problems, []);
    const missing = ids.filter((id) => !state.ids.includes(id)).length;
    assert.deepStrictEqual(state.gaps, [], `rig.history_gap; ${missing} greetings missing`);
    assert.ok(cuts.every((c) => c.connections >= 1), JSON.stringify(cuts));
    assert.strictEqual(state.creates, CUTS.length + 1, "a reconnect after each cut");
    // Each re-subscription came when more had been published than the page had (publishing
    // went on to `resume` before waiting for the reconnect): rig had to replay the rest.
    assert.ok(CUTS.every(({ resume }, k) => state.idsAtSubscribe[k + 1] < resume),
              `greetings on the page at each subscription: ${state.idsAtSubscribe}`);
    // The browser resumed by itself: each reconnect sent a greeting id it had received.
    assert.strictEqual(relay.requests.length, CUTS.length + 1, JSON.stringify(relay.requests));
    assert.strictEqual(relay.requests[0], "");
    for (const cursor of relay.requests.slice(1)) {
      assert.ok(ids.includes(cursor), `Last-Event-ID ${JSON.stringify(cursor)}`);
    }
    const duplicates = state.ids.length - new Set(state.ids).size;
    assert.strictEqual(duplicates, 0, `${duplicates} duplicates`);
    assert.deepStrictEqual(state.ids, ids, "exactly the published ids, in order");
    console.log(`the page received all ${COUNT} greetings once each, in order, ` +
                `across ${CUTS.length} cuts`);
  } finally {
    relay.close();
  }
});
