"""WebSocket transport (spec §2.5, §13.1 items 2/5/8, §13.20 items 130/131): connect events,
event frames, subscriptions, heartbeats, control frames, close codes, shutdown and slow
consumers."""

import json
import threading
import unittest

from rig_harness import KeepAlivePublisher, Rig, WsClient, make_event, quote

TWO_WAY = "This WebSocket endpoint cannot be used for two-way communication."
SLOW = 'rig_slow_consumer_disconnects_total'
WS_GAUGE = 'rig_connections{transport="ws"}'


class WebSocketConnect(unittest.TestCase):
    def test_upgrade_then_connection_create_and_subscriptions_set(self):
        with Rig() as rig:
            ws = WsClient(rig)
            self.assertEqual(ws.status, 101)
            self.assertEqual(ws.headers.get("upgrade", "").lower(), "websocket")
            opcode, payload = ws.recv_frame()
            self.assertEqual(opcode, 0x1, "first frame must be a text frame")
            create = json.loads(payload)
            self.assertEqual(create["type"], "rig.connection.create")
            self.assertEqual(create["specversion"], "1.0")
            self.assertEqual(create["source"], "rig")
            self.assertTrue(create["id"])
            token = create["data"]["connection_token"]
            self.assertEqual(create["data"]["connectionToken"], token)
            for bad in "#/?":
                self.assertNotIn(bad, token)
            opcode, payload = ws.recv_frame()
            self.assertEqual(opcode, 0x1)
            subs = json.loads(payload)
            self.assertEqual(subs["type"], "rig.subscriptions_set")
            self.assertEqual(subs["source"], "rig")
            self.assertEqual(subs["data"], [])
            ws.close()

    def test_offered_subprotocol_is_not_selected(self):
        with Rig() as rig:
            ws = WsClient(rig, protocols="ws")
            self.assertEqual(ws.status, 101)
            self.assertNotIn("sec-websocket-protocol", ws.headers)
            ws.connect_events()
            ws.close()

    def test_subscriptions_at_connect_and_event_frames(self):
        subs = [{"eventType": "greeting", "oneOf": [{"name": "alice"}]},
                {"eventType": "other"}]
        with Rig() as rig:
            ws = WsClient(rig, query="subscriptions=" + quote(subs))
            self.assertEqual(ws.status, 101)
            _, data = ws.connect_events()
            self.assertEqual(data, [{"eventType": "greeting", "oneOf": [{"name": "alice"}]},
                                    {"eventType": "other", "oneOf": []}])
            # Each event arrives as exactly one text frame carrying the event JSON.
            sent = []
            with KeepAlivePublisher(rig) as pub:
                for ev in [make_event("other", "o-1", data={"x": 1}),
                           make_event("other", "o-2", version="0.1", extra=True),
                           make_event("other", "o-3", version="1.0",
                                      data={"nested": {"a": [1, 2]}})]:
                    status, body = pub.publish(ev)
                    self.assertEqual(status, 202, body)
                    sent.append(json.loads(body))
            for expected in sent:
                opcode, payload = ws.recv_frame()
                self.assertEqual(opcode, 0x1)
                self.assertEqual(json.loads(payload), expected)
            ws.close()

    def test_large_event_is_one_unfragmented_text_frame(self):
        # §2.5: "text frame containing the event JSON (same JSON as SSE data, unsplit)".
        with Rig() as rig:
            ws = WsClient(rig, query="subscriptions=" + quote([{"eventType": "big"}]))
            ws.connect_events()
            status, _, body = rig.publish(make_event("big", "b-1", data={"pad": "x" * 60000}))
            self.assertEqual(status, 202)
            try:
                fin, opcode, payload = ws.recv_frame_fin()
            finally:
                ws.close()  # a client left open would make the drain wait for it
            self.assertEqual(opcode, 0x1)
            self.assertTrue(fin, "event split into fragments: first frame has %d of %d bytes"
                            % (len(payload), len(body)))
            self.assertEqual(json.loads(payload), json.loads(body))

    def test_put_subscriptions_on_ws_path_then_receive(self):
        with Rig() as rig:
            ws = WsClient(rig)
            token, data = ws.connect_events()
            self.assertEqual(data, [])
            status, hdrs, body = rig.request(
                "PUT", "/_rig/v1/connection/ws/%s/subscriptions" % token,
                {"subscriptions": [{"eventType": "greeting"}]})
            self.assertEqual(status, 204, body)
            changed = ws.next_event()
            self.assertEqual(changed["type"], "rig.subscriptions_set")
            self.assertEqual(changed["data"], [{"eventType": "greeting", "oneOf": []}])

            pub = KeepAlivePublisher(rig)
            self.addCleanup(pub.close)
            self.assertEqual(pub.publish(make_event("unrelated", "u-1"))[0], 202)
            status, body = pub.publish(make_event("greeting", "g-1", data={"hi": "there"}))
            self.assertEqual(status, 202)
            got = ws.next_event()  # the unrelated event must not have been delivered
            self.assertEqual(got, json.loads(body))

            # PUT replaces: after subscribing to something else, greetings stop.
            status, _, body = rig.request(
                "PUT", "/_rig/v1/connection/ws/%s/subscriptions" % token,
                {"subscriptions": [{"eventType": "marker"}]})
            self.assertEqual(status, 204, body)
            self.assertEqual(ws.next_event()["data"], [{"eventType": "marker", "oneOf": []}])
            self.assertEqual(pub.publish(make_event("greeting", "g-2"))[0], 202)
            self.assertEqual(pub.publish(make_event("marker", "m-1"))[0], 202)
            self.assertEqual(ws.next_event()["id"], "m-1")
            ws.close()

    def test_connect_errors_close_the_socket_after_upgrade(self):
        cases = [
            ("subscriptions=" + quote("can't { be [ parsed."),
             lambda r: r.startswith("Failed to decode subscription list")),
            ("jwt=foobar", lambda r: r == "Bad request."),
            ("subscriptions=" + quote([{"this": "is not", "a": "subscription"}]),
             lambda r: r == "Bad request."),
            ("subscriptions=" + quote({"eventType": "not a list"}),
             lambda r: r == "Bad request."),
        ]
        with Rig(env={"JWT_SECRET_KEY": "mysecret"}) as rig:
            for query, reason_ok in cases:
                with self.subTest(query=query):
                    ws = WsClient(rig, query=query)
                    self.assertEqual(ws.status, 101, "the upgrade always succeeds")
                    opcode, payload = ws.recv_frame()
                    self.assertEqual(opcode, 0x8, "first frame must be a close frame, got %r"
                                     % payload[:200])
                    code = int.from_bytes(payload[:2], "big")
                    reason = payload[2:].decode()
                    self.assertEqual(code, 1000)
                    self.assertTrue(reason_ok(reason), reason)
                    ws.send_frame(0x8, payload[:2])
                    self.assertTrue(ws.conn.at_eof())
                    ws.close()
            # rig still serves after the refused connections.
            ws = WsClient(rig)
            ws.connect_events()
            ws.close()


class WebSocketControlFrames(unittest.TestCase):
    def test_heartbeat_pings_keep_coming_while_answered(self):
        with Rig(env={"RIG_HEARTBEAT_INTERVAL_MS": "300"}) as rig:
            ws = WsClient(rig, query="subscriptions=" + quote([{"eventType": "greeting"}]))
            ws.connect_events()
            for _ in range(3):
                opcode, payload = ws.recv_frame()
                self.assertEqual(opcode, 0x9, "expected a ping, got opcode %d" % opcode)
                ws.send_frame(0xA, payload)
            # The connection is still fine: an event arrives (pings in between are answered).
            status, _, body = rig.publish(make_event("greeting", "after-pings"))
            self.assertEqual(status, 202)
            self.assertEqual(ws.next_event(), json.loads(body))
            ws.close()

    def test_client_ping_gets_pong_with_same_payload(self):
        with Rig() as rig:
            ws = WsClient(rig)
            ws.connect_events()
            ws.send_frame(0x9, b"are you there?")
            opcode, payload = ws.recv_frame()
            self.assertEqual((opcode, payload), (0xA, b"are you there?"))
            ws.send_frame(0x9, b"")
            self.assertEqual(ws.recv_frame(), (0xA, b""))
            ws.close()

    def test_unsolicited_pong_is_ignored(self):
        with Rig() as rig:
            ws = WsClient(rig, query="subscriptions=" + quote([{"eventType": "greeting"}]))
            ws.connect_events()
            ws.send_frame(0xA, b"unsolicited")
            status, _, body = rig.publish(make_event("greeting", "p-1"))
            self.assertEqual(status, 202)
            self.assertEqual(ws.next_event(), json.loads(body))
            ws.close()

    def test_client_text_frame_closes_with_1000(self):
        with Rig() as rig:
            ws = WsClient(rig)
            ws.connect_events()
            ws.send_frame(0x1, b'{"hello":"rig"}')
            self.assertEqual(ws.expect_close(), (1000, TWO_WAY))
            self.assertTrue(ws.conn.at_eof())
            ws.close()

    def test_client_binary_frame_closes_with_1000(self):
        with Rig() as rig:
            ws = WsClient(rig)
            ws.connect_events()
            ws.send_frame(0x2, b"\x00\x01\x02")
            self.assertEqual(ws.expect_close(), (1000, TWO_WAY))
            ws.close()

    def test_client_close_is_answered_and_gauge_falls(self):
        with Rig() as rig:
            ws = WsClient(rig)
            ws.connect_events()
            rig.wait_metric(WS_GAUGE, 1)
            ws.send_frame(0x8, (1000).to_bytes(2, "big") + b"bye")
            opcode, payload = ws.recv_frame()
            self.assertEqual(opcode, 0x8)
            self.assertEqual(int.from_bytes(payload[:2], "big"), 1000)
            self.assertTrue(ws.conn.at_eof())
            ws.close()
            rig.wait_metric(WS_GAUGE, 0)


class WebSocketShutdown(unittest.TestCase):
    def test_sigterm_closes_with_1001(self):
        with Rig() as rig:
            clients = [WsClient(rig) for _ in range(3)]
            for ws in clients:
                ws.connect_events()
            result = {}

            def stop():
                try:
                    result["code"] = rig.stop()
                except BaseException as e:  # reported below
                    result["error"] = e

            stopper = threading.Thread(target=stop)
            stopper.start()
            try:
                for ws in clients:
                    self.assertEqual(ws.expect_close(), (1001, "Server shutting down."))
                    self.assertTrue(ws.conn.at_eof())
                    ws.close()
            finally:
                stopper.join()
            self.assertNotIn("error", result, result.get("error"))
            self.assertEqual(result["code"], 0)


class WebSocketSlowConsumer(unittest.TestCase):
    def test_slow_consumer_is_closed_with_1008_and_others_keep_receiving(self):
        env = {"RIG_MAX_QUEUE_BYTES": "65536"}
        subs = "subscriptions=" + quote([{"eventType": "big"}])
        padding = "x" * 60000
        with Rig(env=env) as rig:
            slow = WsClient(rig, query=subs, rcvbuf=4096)
            slow.connect_events()
            reader = WsClient(rig, query=subs)
            reader.connect_events()
            before = rig.metrics().get(SLOW, 0.0)

            received = 0
            disconnected = False
            for i in range(400):
                status, _, body = rig.publish(make_event("big", str(i), data={"pad": padding}))
                self.assertEqual(status, 202)
                # Lockstep with the reading client: its queue never holds more than one event.
                opcode, payload, _ = reader.recv_message()
                self.assertEqual(opcode, 0x1)
                ev = json.loads(payload)
                self.assertEqual(ev["id"], str(i))
                self.assertEqual(ev["data"]["pad"], padding)
                received += 1
                if i % 10 == 9 and rig.metrics().get(SLOW, 0.0) > before:
                    disconnected = True
                    break
            self.assertTrue(disconnected, "no slow-consumer disconnect after %d events" % received)

            # The reading client keeps receiving after the disconnect.
            for j in range(received, received + 5):
                status, _, body = rig.publish(make_event("big", str(j), data={"pad": "y"}))
                self.assertEqual(status, 202)
                self.assertEqual(reader.next_event()["id"], str(j))
            self.assertEqual(rig.metrics()[SLOW], before + 1,
                             "only the non-reading client may be disconnected")

            # The slow client, once it reads, finds the events rig managed to send and then a
            # close frame with 1008.
            last_id = -1
            while True:
                opcode, payload, _ = slow.recv_message(timeout=30)
                if opcode == 0x8:
                    code = int.from_bytes(payload[:2], "big")
                    self.assertEqual(code, 1008, payload)
                    break
                self.assertEqual(opcode, 0x1)
                ev = json.loads(payload)
                if ev["type"] == "big":
                    self.assertEqual(int(ev["id"]), last_id + 1, "events in order, no gaps")
                    last_id = int(ev["id"])
            self.assertLess(last_id, received - 1)
            slow.close()
            reader.close()
            rig.wait_metric(WS_GAUGE, 0)


if __name__ == "__main__":
    unittest.main()
