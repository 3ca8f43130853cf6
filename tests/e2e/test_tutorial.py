"""RIG's getting-started tutorial, step by step, exactly as the README shows it with curl."""

import json
import unittest

from rig_harness import Rig, SseClient


class Tutorial(unittest.TestCase):
    def test_tutorial_steps(self):
        with Rig() as rig:
            # 1. Connect: 200 text/event-stream, first event rig.connection.create.
            sse = SseClient(rig)
            self.assertEqual(sse.status, 200)
            self.assertEqual(sse.headers["content-type"], "text/event-stream; charset=utf-8")
            self.assertEqual(sse.headers["cache-control"], "no-cache")
            self.assertEqual(sse.headers["access-control-allow-origin"], "*")
            create = sse.next_message()
            self.assertEqual(create["event"], "rig.connection.create")
            self.assertNotIn("id", create)  # rig's own events carry no id: line
            ev = create["data"]
            self.assertEqual(ev["specversion"], "1.0")
            self.assertEqual(ev["source"], "rig")
            token = ev["data"]["connection_token"]
            self.assertEqual(ev["data"]["connectionToken"], token)
            subs_set = sse.next_event()
            self.assertEqual(subs_set["type"], "rig.subscriptions_set")
            self.assertEqual(subs_set["data"], [])

            # 2. Subscribe: POST adds to the set, 201.
            status, hdrs, body = rig.request(
                "POST", "/_rig/v1/connection/sse/%s/subscriptions" % token,
                {"subscriptions": [{"eventType": "greeting"}]})
            self.assertEqual(status, 201, body)
            self.assertEqual(json.loads(body)["subscriptions"],
                             [{"eventType": "greeting", "oneOf": []}])
            changed = sse.next_event()
            self.assertEqual(changed["type"], "rig.subscriptions_set")
            self.assertEqual(changed["data"], [{"eventType": "greeting", "oneOf": []}])

            # 3. Publish a CloudEvents 0.1 event: 202 with the event as sent, eventTime added.
            event = {"cloudEventsVersion": "0.1", "eventType": "greeting",
                     "eventID": "first-event", "source": "tutorial"}
            status, hdrs, body = rig.publish(event)
            self.assertEqual(status, 202, body)
            self.assertEqual(hdrs["content-type"], "application/json; charset=utf-8")
            sent = json.loads(body)
            self.assertTrue(sent.pop("eventTime"))
            self.assertEqual(sent, event)

            # 4. The stream receives it with event:, id: and data: lines.
            msg = sse.next_message()
            self.assertEqual(msg["event"], "greeting")
            self.assertEqual(msg["id"], "first-event")
            self.assertEqual(msg["data"], json.loads(body))
            sse.close()

    def test_event_without_subscribers_is_still_accepted(self):
        with Rig() as rig:
            status, _, body = rig.publish({"cloudEventsVersion": "0.1", "eventType": "nobody",
                                           "eventID": "1", "source": "t"})
            self.assertEqual(status, 202, body)


if __name__ == "__main__":
    unittest.main()
