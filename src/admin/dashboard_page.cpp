#include "admin/dashboard_page.hpp"

namespace rig::admin {
namespace {

// The page reads the stream with fetch() rather than EventSource so that it can send the
// internal API's bearer key (RIG_API_KEY), which EventSource cannot; it asks for the key on a
// 401 and keeps it for the browser tab only (sessionStorage). Rates come computed from the
// server; the page keeps the last minute of them for the sparklines.
constexpr std::string_view page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rig dashboard</title>
<style>
  :root { --fg: #1d2330; --muted: #667085; --line: #d8dde6; --bg: #f5f7fa; --card: #fff;
          --ok: #1a7f37; --bad: #c62828; --warn: #b26a00; --accent: #2457c5; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         color: var(--fg); background: var(--bg); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px;
           background: var(--card); border-bottom: 1px solid var(--line); }
  header h1 { margin: 0; font-size: 18px; }
  #status { font-weight: 600; }
  #status.live { color: var(--ok); } #status.down { color: var(--bad); }
  #status.wait { color: var(--warn); }
  #updated { color: var(--muted); margin-left: auto; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr));
         gap: 14px; padding: 16px 20px; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
            padding: 12px 14px; }
  section.wide { grid-column: 1 / -1; }
  h2 { margin: 0 0 6px; font-size: 13px; font-weight: 600; color: var(--muted);
       text-transform: uppercase; letter-spacing: .04em; }
  .big { font-size: 30px; font-weight: 600; font-variant-numeric: tabular-nums; }
  .unit { font-size: 13px; color: var(--muted); font-weight: 400; }
  .sub { color: var(--muted); font-variant-numeric: tabular-nums; }
  svg.spark { display: block; width: 100%; height: 40px; margin-top: 6px; }
  svg.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 6px 3px 0; border-bottom: 1px solid var(--line); }
  th { color: var(--muted); font-weight: 500; }
  td.n, th.n { text-align: right; }
  .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%;
         margin-right: 6px; background: var(--bad); }
  .dot.up { background: var(--ok); }
  .empty { color: var(--muted); font-style: italic; }
  #key { display: none; padding: 10px 20px; background: #fff4e5;
         border-bottom: 1px solid var(--line); }
  #key input { width: 22em; }
</style>
</head>
<body>
<header>
  <h1>rig dashboard</h1>
  <span id="status" class="wait">connecting</span>
  <span id="updated"></span>
</header>
<form id="key">
  The internal API needs its key (RIG_API_KEY):
  <input id="key-input" type="password" autocomplete="off">
  <button type="submit">Connect</button>
</form>
<main>
  <section>
    <h2>Connections</h2>
    <div class="big" id="conn-total">&ndash;</div>
    <div class="sub">SSE <span id="conn-sse">&ndash;</span> &middot;
      WebSocket <span id="conn-ws">&ndash;</span> &middot;
      long-poll <span id="conn-longpolling">&ndash;</span></div>
    <div class="sub">subscriptions <span id="subscriptions">&ndash;</span></div>
    <svg class="spark" id="spark-conn" viewBox="0 0 100 40" preserveAspectRatio="none"></svg>
  </section>
  <section>
    <h2>Events in</h2>
    <div class="big"><span id="in-rate">&ndash;</span> <span class="unit">/s</span></div>
    <div class="sub">total <span id="in-total">&ndash;</span></div>
    <div class="sub" id="in-by-source"></div>
    <svg class="spark" id="spark-in" viewBox="0 0 100 40" preserveAspectRatio="none"></svg>
  </section>
  <section>
    <h2>Delivered out</h2>
    <div class="big"><span id="out-rate">&ndash;</span> <span class="unit">/s</span></div>
    <div class="sub">total <span id="out-total">&ndash;</span></div>
    <svg class="spark" id="spark-out" viewBox="0 0 100 40" preserveAspectRatio="none"></svg>
  </section>
  <section>
    <h2>Drops</h2>
    <table>
      <thead><tr><th>reason</th><th class="n">/s</th><th class="n">total</th></tr></thead>
      <tbody id="drops"></tbody>
    </table>
  </section>
  <section>
    <h2>Latency publish &rarr; write</h2>
    <table>
      <thead><tr><th>p50</th><th>p90</th><th>p99</th></tr></thead>
      <tbody><tr><td id="lat-p50">&ndash;</td><td id="lat-p90">&ndash;</td>
                 <td id="lat-p99">&ndash;</td></tr></tbody>
    </table>
    <div class="sub" id="lat-note"></div>
  </section>
  <section>
    <h2>Top event types</h2>
    <table>
      <thead><tr><th>type</th><th class="n">/s</th><th class="n">total</th></tr></thead>
      <tbody id="types"></tbody>
    </table>
  </section>
  <section class="wide">
    <h2>Event sources</h2>
    <table>
      <thead><tr><th>source</th><th>state</th><th class="n">consumed /s</th>
                 <th class="n">consumed</th><th class="n">failed</th></tr></thead>
      <tbody id="sources"></tbody>
    </table>
  </section>
</main>
<script>
(function () {
  "use strict";
  var HISTORY = 60, RETRY_MS = 2000, KEY = "rig-api-key";
  // Read by tests: how many snapshots arrived, and the last one.
  var state = window.dashboard = { snapshots: 0, last: null };
  var series = { conn: [], "in": [], out: [] };
  var $ = function (id) { return document.getElementById(id); };
  var DROP_NAMES = {
    slow_consumer: "events of slow consumers", queue_full: "long-poll buffer full",
    closed: "connection closing", conflated: "conflated (replaced)",
    slow_consumer_disconnects: "slow consumers cut (connections)"
  };

  function num(v) {
    if (v === null || v === undefined) return "\u2013";
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(2) + "G";
    if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }
  function text(id, v) { $(id).textContent = v; }
  function cell(tr, v, cls) {
    var td = document.createElement("td");
    td.textContent = v;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function rows(id, list, fill, emptyText, columns) {
    var body = $(id);
    body.textContent = "";
    if (!list.length) {
      var tr = body.insertRow(), td = cell(tr, emptyText, "empty");
      td.colSpan = columns;
      return;
    }
    list.forEach(function (item) { fill(body.insertRow(), item); });
  }
  function spark(id, values) {
    var max = Math.max.apply(null, values.concat([1]));
    var step = 100 / (HISTORY - 1), x0 = 100 - (values.length - 1) * step;
    var pts = values.map(function (v, i) {
      return (x0 + i * step).toFixed(2) + "," + (38 - (v / max) * 36).toFixed(2);
    }).join(" ");
    $(id).innerHTML = '<polyline points="' + pts + '"></polyline>';
  }
  function push(name, v) {
    series[name].push(v);
    if (series[name].length > HISTORY) series[name].shift();
    spark("spark-" + name, series[name]);
  }
  function status(what, cls) { var s = $("status"); s.textContent = what; s.className = cls; }

  function render(s) {
    state.snapshots += 1;
    state.last = s;
    text("conn-total", num(s.connections.total));
    text("conn-sse", num(s.connections.sse));
    text("conn-ws", num(s.connections.ws));
    text("conn-longpolling", num(s.connections.longpolling));
    text("subscriptions", num(s.subscriptions));
    text("in-rate", num(s.events.in_per_s));
    text("in-total", num(s.events.in_total));
    text("in-by-source", (s.events.in_by_source || []).map(function (b) {
      return b.source + " " + num(b.per_s) + "/s";
    }).join(" \u00b7 "));
    text("out-rate", num(s.events.delivered_per_s));
    text("out-total", num(s.events.delivered_total));
    push("conn", s.connections.total);
    push("in", s.events.in_per_s);
    push("out", s.events.delivered_per_s);

    var drops = [];
    Object.keys(s.drops).forEach(function (k) {
      var m = /^(.*)_total$/.exec(k);
      if (m) drops.push({ reason: DROP_NAMES[m[1]] || m[1].replace(/_/g, " "),
                          total: s.drops[k], rate: s.drops[m[1] + "_per_s"] });
    });
    rows("drops", drops, function (tr, d) {
      cell(tr, d.reason); cell(tr, num(d.rate), "n"); cell(tr, num(d.total), "n");
    }, "none", 3);

    var lat = s.latency_ms || {};
    ["p50", "p90", "p99"].forEach(function (p) {
      var v = lat[p];
      text("lat-" + p, v === null || v === undefined ? "\u2013"
                       : (v < 1 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) + " ms");
    });
    text("lat-note", lat.count ? num(lat.count) + " socket writes since the last update"
                               : "no socket writes since the last update");

    rows("types", s.top_types || [], function (tr, t) {
      cell(tr, t.type); cell(tr, num(t.per_s), "n"); cell(tr, num(t.total), "n");
    }, "no events forwarded yet", 3);

    rows("sources", s.sources, function (tr, src) {
      cell(tr, src.name);
      var st = cell(tr, "");
      var dot = document.createElement("span");
      dot.className = "dot" + (src.connected ? " up" : "");
      st.appendChild(dot);
      st.appendChild(document.createTextNode(
        src.connected ? "connected" : "down" + (src.detail ? ": " + src.detail : "")));
      cell(tr, num(src.consumed_per_s), "n");
      cell(tr, num(src.consumed_total), "n");
      cell(tr, num(src.failed_total), "n");
    }, "no event source configured (Kafka, NATS, Kinesis)", 5);

    text("updated", "updated " + new Date(s.time_ms).toLocaleTimeString());
    status("live", "live");
  }

  // One SSE message block: its data lines, joined, are the JSON snapshot.
  function message(block) {
    var data = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("data:") === 0) data.push(line.slice(line.charAt(5) === " " ? 6 : 5));
    });
    if (data.length) render(JSON.parse(data.join("\n")));
  }

  function retry(why) {
    status(why + "; retrying", "down");
    setTimeout(connect, RETRY_MS);
  }

  function askKey() {
    status("API key needed", "wait");
    $("key").style.display = "block";
    $("key-input").focus();
  }
  $("key").addEventListener("submit", function (e) {
    e.preventDefault();
    sessionStorage.setItem(KEY, $("key-input").value);
    $("key").style.display = "none";
    connect();
  });

  function connect() {
    status("connecting", "wait");
    var headers = { Accept: "text/event-stream" };
    var key = sessionStorage.getItem(KEY);
    if (key) headers.Authorization = "Bearer " + key;
    fetch("dashboard/stream", { headers: headers, cache: "no-store" }).then(function (res) {
      if (res.status === 401) { askKey(); return; }
      if (!res.ok) {
        return res.text().then(function (body) {
          var why = "HTTP " + res.status;
          try { why += ": " + JSON.parse(body).error; } catch (e) { /* not JSON */ }
          retry(why);
        });
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buf = "";
      var pump = function () {
        return reader.read().then(function (r) {
          if (r.done) { retry("stream ended"); return; }
          buf += decoder.decode(r.value, { stream: true });
          var i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            message(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
          return pump();
        });
      };
      return pump();
    }).catch(function (e) { retry("disconnected (" + e.message + ")"); });
  }
  connect();
})();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view dashboard_page() {
    return page;
}

}  // namespace rig::admin
