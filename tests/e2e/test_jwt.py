"""JWT validation: every supported algorithm (HS256/384/512 with a shared secret, RS256/384/512
with a PEM public key or an X.509 certificate, ES256/ES384, EdDSA), every way a token is refused,
the leeway, the start-up validation of the settings, and keys from a JWK Set (RIG_JWKS_URL).

Contract: spec §5.1 (JWT validation; strict alg; `exp` required), §5.2, §2.4 step 2 (connect:
SSE 400 "could not parse subscriptions: could not decode JWT: ...", WS close 1000 "Bad request.",
long polling 400), §2.10 step 7 (PUT/POST: 400 "... invalid authorization header ..."), §4.4
(JWT-inferred subscriptions), §6.3 (blacklisted jti), §13.7 (46-54, 48 = certificate), and our
operator guide: ES/EdDSA, `nbf`, RIG_JWT_LEEWAY_S, literal "\\n" in PEM values, a refused `none`,
RIG_JWKS_URL / RIG_JWKS_REFRESH_S, and invalid JWT settings stopping rig with exit code 2.

Tokens are minted here: HS with the stdlib, RS/ES/EdDSA with Debian's PyJWT + cryptography (run
with /usr/bin/python3). Keys are generated at test time. Waiting for a JWK Set fetch is a
repeated blocking connect with a deadline, or a blocking wait for the key server's request.
"""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import time
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, get_default_algorithms

from rig_harness import (check_json_error, LongPollClient, make_event, parse_close, quote, Rig,
                         run_rig_expecting_failure, SseClient, StubServer, wait_until, WsClient)

ALGORITHMS = get_default_algorithms()
EXTRACTORS = json.dumps({"greeting": {"name": {
    "stable_field_index": 0, "event": {"json_pointer": "/data/name"},
    "jwt": {"json_pointer": "/username"}}}})
ALICE_SUB = {"eventType": "greeting", "oneOf": [{"name": "alice"}]}
SSE_JWT_ERROR = "could not parse subscriptions: could not decode JWT: "
PUT_JWT_ERROR = "cannot accept subscription request: invalid authorization header: " \
                "could not decode JWT: "
WS_BAD_REQUEST = (1000, "Bad request.")


# -- keys and tokens --------------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_KEY_CACHE = {}


def private_key(kind, label="main"):
    """A generated private key (cached per kind and label): kind is rsa, p256, p384 or ed25519.
    HS "keys" are secrets (str)."""
    cache_key = (kind, label)
    if cache_key not in _KEY_CACHE:
        if kind == "rsa":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif kind == "p256":
            key = ec.generate_private_key(ec.SECP256R1())
        elif kind == "p384":
            key = ec.generate_private_key(ec.SECP384R1())
        elif kind == "ed25519":
            key = ed25519.Ed25519PrivateKey.generate()
        else:
            key = "hs-secret-%s-%s" % (kind, label)
        _KEY_CACHE[cache_key] = key
    return _KEY_CACHE[cache_key]


KEY_KIND = {"HS256": "hs", "HS384": "hs", "HS512": "hs", "RS256": "rsa", "RS384": "rsa",
            "RS512": "rsa", "ES256": "p256", "ES384": "p384", "EdDSA": "ed25519"}


def public_pem(key):
    """The PEM text of a private key's public half (a str ending in a newline)."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def certificate_pem(key):
    """A self-signed X.509 certificate for `key` (PEM text)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rig test issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=30)))
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM).decode()


def claims_with(claims, expires_in=3600):
    claims = dict(claims)
    if "exp" not in claims:
        claims["exp"] = int(time.time()) + expires_in
    elif claims["exp"] is None:
        del claims["exp"]
    return claims


def sign_token(claims, alg, key, header=None, header_alg=None, expires_in=3600):
    """A compact JWS signed with algorithm `alg` and `key`; the header says `header_alg` (default
    `alg`), so that a token can lie about its algorithm. `exp` is added unless given (None
    removes it)."""
    head = {"alg": header_alg or alg, "typ": "JWT"}
    head.update(header or {})
    signing_input = (b64url(json.dumps(head).encode()) + "." +
                     b64url(json.dumps(claims_with(claims, expires_in)).encode()))
    algorithm = ALGORITHMS[alg]
    sig = algorithm.sign(signing_input.encode(), algorithm.prepare_key(key))
    return signing_input + "." + b64url(sig)


def unsigned_token(claims, header_alg="none", header=None):
    head = {"alg": header_alg, "typ": "JWT"}
    head.update(header or {})
    return (b64url(json.dumps(head).encode()) + "." +
            b64url(json.dumps(claims_with(claims)).encode()) + ".")


def hmac_token(claims, secret_text, header_alg="HS256"):
    """An HS token whose HMAC secret is `secret_text` (e.g. a public key's PEM text)."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
              "HS512": hashlib.sha512}[header_alg]
    head = {"alg": header_alg, "typ": "JWT"}
    signing_input = (b64url(json.dumps(head).encode()) + "." +
                     b64url(json.dumps(claims_with(claims)).encode()))
    sig = hmac.new(secret_text.encode(), signing_input.encode(), digest).digest()
    return signing_input + "." + b64url(sig)


def jwk(key, kid, alg):
    """The public JWK (dict) of a private key."""
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        text = RSAAlgorithm.to_jwk(public)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        text = ECAlgorithm.to_jwk(public)
    else:
        text = OKPAlgorithm.to_jwk(public)
    out = json.loads(text) if isinstance(text, str) else dict(text)
    out.update({"kid": kid, "alg": alg, "use": "sig"})
    return out


# -- tests ------------------------------------------------------------------------------------

class JwtTestCase(unittest.TestCase):
    counter = 0

    def unique(self, label):
        JwtTestCase.counter += 1
        return "%s-%d" % (label, JwtTestCase.counter)

    def assert_json_error(self, status, hdrs, body, expected_status, startswith=None):
        return check_json_error(self, status, hdrs, body, expected_status, startswith=startswith)

    def start_rig(self, env):
        """A rig for this test. It stops after the test's clients are closed (cleanups run
        last-in first-out), so that its drain waits for nobody."""
        rig = Rig(env=env)
        rig.start()
        self.addCleanup(rig.stop)
        return rig

    def sse_status(self, rig, jwt):
        client = SseClient(rig, "jwt=" + quote(jwt))
        client.close()
        return client.status

    def assert_accepted(self, rig, jwt, inferred=(ALICE_SUB,)):
        """The token works on every path: SSE, WS and long-poll connect (its claims give the
        inferred subscriptions), and PUT/POST .../subscriptions with Authorization: Bearer."""
        q = "jwt=" + quote(jwt)
        sse = SseClient(rig, q)
        self.addCleanup(sse.close)
        self.assertEqual(sse.status, 200, sse.body)
        self.assertEqual(sse.connect_events()[1], list(inferred))
        ws = WsClient(rig, q)
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101)
        self.assertEqual(ws.connect_events()[1], list(inferred))
        lp = LongPollClient(rig)
        status, _, body = lp.get(q)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), "ok")
        self.assertEqual(lp.poll()["events"][1]["data"], list(inferred))
        # The inferred subscription is live: alice's greeting arrives, bob's does not.
        eid = self.unique("alice")
        status, _, body = rig.publish(make_event("greeting", self.unique("bob"),
                                                 data={"name": "bob"}))
        self.assertEqual(status, 202, body)
        status, _, body = rig.publish(make_event("greeting", eid, data={"name": "alice"}))
        self.assertEqual(status, 202, body)
        self.assertEqual(sse.next_event()["id"], eid)
        self.assertEqual(ws.next_event()["id"], eid)
        plain = SseClient(rig, "")
        self.addCleanup(plain.close)
        self.assertEqual(plain.status, 200, plain.body)
        plain.connect_events()
        for method, expected in (("PUT", 204), ("POST", 201)):
            status, _, body = rig.request(
                method, "/_rig/v1/connection/sse/%s/subscriptions" % plain.token,
                {"subscriptions": []}, {"Authorization": "Bearer " + jwt})
            self.assertEqual(status, expected, body)
            ev = plain.next_event()
            self.assertEqual(ev["type"], "rig.subscriptions_set")
            self.assertEqual(ev["data"], list(inferred))

    def assert_refused(self, rig, jwt):
        """The token is refused on every path."""
        q = "jwt=" + quote(jwt)
        sse = SseClient(rig, q)
        self.addCleanup(sse.close)
        self.assert_json_error(sse.status, sse.headers, sse.body, 400, SSE_JWT_ERROR)
        ws = WsClient(rig, q)
        self.addCleanup(ws.close)
        self.assertEqual(ws.status, 101)
        opcode, payload = ws.recv_frame()
        self.assertEqual(opcode, 0x8, "expected a close frame, got %r" % payload)
        ws.send_frame(0x8, payload[:2])
        self.assertEqual(parse_close(payload), WS_BAD_REQUEST)
        status, hdrs, body = LongPollClient(rig).get(q)
        self.assert_json_error(status, hdrs, body, 400, SSE_JWT_ERROR)
        plain = SseClient(rig, "")
        self.addCleanup(plain.close)
        self.assertEqual(plain.status, 200, plain.body)
        plain.connect_events()
        for method in ("PUT", "POST"):
            status, hdrs, body = rig.request(
                method, "/_rig/v1/connection/sse/%s/subscriptions" % plain.token,
                {"subscriptions": []}, {"Authorization": "Bearer " + jwt})
            self.assert_json_error(status, hdrs, body, 400, PUT_JWT_ERROR)


class AlgorithmTests:
    """One rig per algorithm (JWT_SECRET_KEY = the secret or the public key PEM); the test
    classes AlgHS256 ... AlgEdDSA below mix this into JwtTestCase and set `alg`."""
    alg = None

    @classmethod
    def setUpClass(cls):
        kind = KEY_KIND[cls.alg]
        cls.key = private_key(kind)
        cls.other_key = private_key(kind, "other")
        cls.key_text = cls.key if kind == "hs" else public_pem(cls.key)
        cls.rig = Rig(env={"JWT_SECRET_KEY": cls.key_text, "JWT_ALG": cls.alg,
                           "EXTRACTORS": EXTRACTORS})
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()

    def token(self, claims=None, **kw):
        return sign_token(dict({"username": "alice"}, **(claims or {})), self.alg, self.key,
                          **kw)

    def test_valid_token(self):
        self.assert_accepted(self.rig, self.token())

    def test_valid_token_with_past_nbf_and_extra_claims(self):
        now = int(time.time())
        self.assert_accepted(self.rig, self.token({"nbf": now - 60, "iat": now - 60,
                                                   "aud": "anyone", "iss": "anybody"}))

    def bad_tokens(self):
        now = int(time.time())
        valid = self.token()
        head, payload, sig = valid.split(".")
        other_payload = b64url(json.dumps(claims_with({"username": "mallory"})).encode())
        flipped = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
        same_family = {"HS256": "HS512", "HS384": "HS256", "HS512": "HS256",
                       "RS256": "RS512", "RS384": "RS256", "RS512": "RS256",
                       "ES256": "ES384", "ES384": "ES256", "EdDSA": "ES256"}[self.alg]
        tokens = {
            "expired": self.token({"exp": now - 60}),
            "expired long ago": self.token({"exp": now - 86400}),
            "not yet valid": self.token({"nbf": now + 3600}),
            "missing exp": self.token({"exp": None}),
            "wrong key": sign_token({"username": "alice"}, self.alg, self.other_key),
            "alg none": unsigned_token({"username": "alice"}),
            "alg None": unsigned_token({"username": "alice"}, "None"),
            "alg none with the valid signature": (
                b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + payload +
                "." + sig),
            "header names another alg (signed correctly)": self.token(header_alg=same_family),
            "header alg in lowercase": self.token(header_alg=self.alg.lower()),
            "header without alg": self.token(header={"alg": None}),
            "tampered payload": head + "." + other_payload + "." + sig,
            "tampered signature": head + "." + payload + "." + flipped,
            "no signature": head + "." + payload + ".",
            "two segments": head + "." + payload,
            "not a token": "garbage",
            "bearer prefix": "Bearer " + valid,
        }
        if KEY_KIND[self.alg] != "hs":
            # The classic confusion attack: HMAC with the public key text as the secret.
            for header_alg in ("HS256", "HS512"):
                tokens["%s with the public key as secret" % header_alg] = hmac_token(
                    {"username": "alice"}, self.key_text, header_alg)
            tokens["HS256 with the public key (no final newline) as secret"] = hmac_token(
                {"username": "alice"}, self.key_text.rstrip("\n"))
        else:
            real_other = {"HS256": "HS512", "HS384": "HS256", "HS512": "HS384"}[self.alg]
            tokens["properly signed %s" % real_other] = sign_token(
                {"username": "alice"}, real_other, self.key)
        if KEY_KIND[self.alg] == "rsa":
            real_other = {"RS256": "RS512", "RS384": "RS256", "RS512": "RS384"}[self.alg]
            tokens["properly signed %s" % real_other] = sign_token(
                {"username": "alice"}, real_other, self.key)
            tokens["PS256 with the same key"] = sign_token({"username": "alice"}, "PS256",
                                                           self.key)
        return tokens

    def test_refused_tokens(self):
        for label, jwt in self.bad_tokens().items():
            with self.subTest(token=label):
                self.assert_refused(self.rig, jwt)

    def test_blacklisted_jti(self):
        jti = self.unique("jti-" + self.alg)
        jwt = self.token({"jti": jti})
        self.assertEqual(self.sse_status(self.rig, jwt), 200)
        status, _, body = self.rig.request("POST", "/v3/session-blacklist",
                                           {"sessionId": jti, "validityInSeconds": 60},
                                           api=True)
        self.assertEqual(status, 201, body)
        self.assert_refused(self.rig, jwt)
        self.assert_accepted(self.rig, self.token({"jti": jti + "-other"}))


for _alg in KEY_KIND:
    _name = "Alg" + _alg
    globals()[_name] = type(_name, (AlgorithmTests, JwtTestCase), {"alg": _alg})
del _alg, _name


class KeyFormats(JwtTestCase):
    def run_rig(self, alg, key_text):
        return self.start_rig({"JWT_SECRET_KEY": key_text, "JWT_ALG": alg,
                               "EXTRACTORS": EXTRACTORS})

    def test_literal_backslash_n_in_pem(self):
        for alg in ("RS256", "ES256", "EdDSA"):
            with self.subTest(alg=alg):
                key = private_key(KEY_KIND[alg])
                one_line = public_pem(key).replace("\n", "\\n")
                self.assertNotIn("\n", one_line)
                rig = self.run_rig(alg, one_line)
                self.assert_accepted(rig, sign_token({"username": "alice"}, alg, key))
                self.assert_refused(rig, sign_token({"username": "alice"}, alg,
                                                    private_key(KEY_KIND[alg], "other")))

    def test_48_x509_certificate_as_key(self):
        for alg in ("RS256", "ES256"):
            with self.subTest(alg=alg):
                key = private_key(KEY_KIND[alg], "cert")
                cert = certificate_pem(key)
                self.assertIn("BEGIN CERTIFICATE", cert)
                rig = self.run_rig(alg, cert)
                self.assert_accepted(rig, sign_token({"username": "alice"}, alg, key))
                self.assert_refused(rig, sign_token({"username": "alice"}, alg,
                                                    private_key(KEY_KIND[alg], "other")))
                self.assert_refused(rig, hmac_token({"username": "alice"}, cert))
                self.assert_refused(rig, unsigned_token({"username": "alice"}))

    def test_certificate_on_one_line(self):
        key = private_key("rsa", "cert")
        rig = self.run_rig("RS256", certificate_pem(key).replace("\n", "\\n"))
        self.assert_accepted(rig, sign_token({"username": "alice"}, "RS256", key))


class Leeway(JwtTestCase):
    def test_default_leeway_is_zero(self):
        rig = self.start_rig({"JWT_SECRET_KEY": "s3cret", "EXTRACTORS": EXTRACTORS})
        now = int(time.time())
        self.assert_refused(rig, sign_token({"username": "alice", "exp": now - 10},
                                            "HS256", "s3cret"))
        self.assert_refused(rig, sign_token({"username": "alice", "nbf": now + 10},
                                            "HS256", "s3cret"))
        self.assert_accepted(rig, sign_token({"username": "alice", "nbf": now - 10,
                                              "exp": now + 600}, "HS256", "s3cret"))

    def test_leeway_applies_to_exp_and_nbf(self):
        env = {"JWT_SECRET_KEY": "s3cret", "EXTRACTORS": EXTRACTORS, "RIG_JWT_LEEWAY_S": "120"}
        rig = self.start_rig(env)
        now = int(time.time())
        self.assert_accepted(rig, sign_token({"username": "alice", "exp": now - 30},
                                             "HS256", "s3cret"))
        self.assert_accepted(rig, sign_token({"username": "alice", "nbf": now + 30},
                                             "HS256", "s3cret"))
        self.assert_refused(rig, sign_token({"username": "alice", "exp": now - 600},
                                            "HS256", "s3cret"))
        self.assert_refused(rig, sign_token({"username": "alice", "nbf": now + 600},
                                            "HS256", "s3cret"))
        # The leeway does not make exp optional.
        self.assert_refused(rig, sign_token({"username": "alice", "exp": None},
                                            "HS256", "s3cret"))


class Claims(JwtTestCase):
    """Claim details, with an HS256 rig."""

    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(env={"JWT_SECRET_KEY": "s3cret", "EXTRACTORS": EXTRACTORS})
        cls.rig.start()

    @classmethod
    def tearDownClass(cls):
        cls.rig.stop()

    def raw_token(self, payload):
        """An HS256 token over an arbitrary payload text."""
        signing_input = (b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." +
                         b64url(payload.encode()))
        sig = hmac.new(b"s3cret", signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + b64url(sig)

    def test_fractional_numeric_dates(self):
        # RFC 7519 NumericDate values may have fractions.
        now = time.time()
        self.assert_accepted(self.rig, sign_token({"username": "alice", "exp": now + 3600.5},
                                                  "HS256", "s3cret"))
        self.assert_refused(self.rig, sign_token({"username": "alice", "exp": now - 100.5},
                                                 "HS256", "s3cret"))
        self.assert_refused(self.rig, sign_token({"username": "alice", "nbf": now + 3600.5},
                                                 "HS256", "s3cret"))

    def test_claims_must_be_a_json_object(self):
        for payload in ('[1, 2]', '"alice"', '{"username": "alice", "exp": ', '42'):
            with self.subTest(payload=payload):
                self.assert_refused(self.rig, self.raw_token(payload))

    def test_kid_is_ignored_with_a_configured_key(self):
        self.assert_accepted(self.rig, sign_token({"username": "alice"}, "HS256", "s3cret",
                                                  header={"kid": "whatever"}))


class ConfigErrors(JwtTestCase):
    """Invalid JWT settings stop rig at start-up (exit 2, one line naming the variable)."""

    def test_invalid_settings(self):
        rsa_pem = public_pem(private_key("rsa"))
        ec_pem = public_pem(private_key("p256"))
        cases = [
            ({"JWT_SECRET_KEY": "x", "JWT_ALG": "none"}, "JWT_ALG"),
            ({"JWT_SECRET_KEY": "x", "JWT_ALG": "PS256"}, "JWT_ALG"),
            ({"JWT_SECRET_KEY": "x", "JWT_ALG": "HS1024"}, "JWT_ALG"),
            ({"JWT_SECRET_KEY": "not a pem", "JWT_ALG": "RS256"}, "JWT_SECRET_KEY"),
            ({"JWT_SECRET_KEY": ec_pem, "JWT_ALG": "RS256"}, "JWT_SECRET_KEY"),
            ({"JWT_SECRET_KEY": rsa_pem, "JWT_ALG": "ES256"}, "JWT_SECRET_KEY"),
            ({"JWT_SECRET_KEY": "x", "RIG_JWT_LEEWAY_S": "abc"}, "RIG_JWT_LEEWAY_S"),
            ({"RIG_JWKS_URL": "http://127.0.0.1:9/jwks", "RIG_JWKS_REFRESH_S": "5"},
             "RIG_JWKS_REFRESH_S"),
            ({"RIG_JWKS_URL": "ftp://127.0.0.1/jwks"}, "RIG_JWKS_URL"),
        ]
        for env, variable in cases:
            with self.subTest(env={k: v[:20] for k, v in env.items()}):
                code, _, err = run_rig_expecting_failure(env)
                self.assertEqual(code, 2, err)
                self.assertIn(variable, err)


class Jwks(JwtTestCase):
    """Keys from a JWK Set served by a local HTTP server, selected by the token's "kid"."""

    def key_server(self, keys, block_first=None):
        """A StubServer answering GET with {"keys": keys(n)} for its n-th request (n = 1, 2,
        ...). With `block_first` (a threading.Event), the first request waits for it."""
        state = {"n": 0}
        lock = threading.Lock()

        def respond(req):
            with lock:
                state["n"] += 1
                n = state["n"]
            if block_first is not None and n == 1:
                block_first.wait(30)
            return 200, {"keys": keys(n)}
        stub = StubServer(respond)
        self.addCleanup(stub.close)
        return stub

    def jwks_rig(self, url, **env):
        return self.start_rig(dict({"RIG_JWKS_URL": url, "EXTRACTORS": EXTRACTORS}, **env))

    def wait_accepted(self, rig, jwt):
        wait_until(lambda: self.sse_status(rig, jwt) == 200, what="the JWK Set to be loaded")

    def test_rs256_is_the_default_and_keys_are_chosen_by_kid(self):
        k1, k2 = private_key("rsa", "jwks-1"), private_key("rsa", "jwks-2")
        keys = [jwk(k1, "k1", "RS256"), jwk(k2, "k2", "RS256")]
        stub = self.key_server(lambda n: keys)
        rig = self.jwks_rig(stub.url + "/.well-known/jwks.json")
        t1 = sign_token({"username": "alice"}, "RS256", k1, header={"kid": "k1"})
        self.wait_accepted(rig, t1)
        self.assertEqual(stub.requests[0]["method"], "GET")
        self.assertEqual(stub.requests[0]["path"], "/.well-known/jwks.json")
        self.assert_accepted(rig, t1)
        self.assert_accepted(rig, sign_token({"username": "alice"}, "RS256", k2,
                                             header={"kid": "k2"}))
        bad = {
            "kid names the other key": sign_token({"username": "alice"}, "RS256", k2,
                                                  header={"kid": "k1"}),
            "unknown kid": sign_token({"username": "alice"}, "RS256", k1,
                                      header={"kid": "k3"}),
            "key not in the set": sign_token({"username": "alice"}, "RS256",
                                             private_key("rsa", "other"),
                                             header={"kid": "k1"}),
            "RS384": sign_token({"username": "alice"}, "RS384", k1, header={"kid": "k1"}),
            "alg none": unsigned_token({"username": "alice"}, header={"kid": "k1"}),
            "expired": sign_token({"username": "alice", "exp": int(time.time()) - 60},
                                  "RS256", k1, header={"kid": "k1"}),
            "missing exp": sign_token({"username": "alice", "exp": None}, "RS256", k1,
                                      header={"kid": "k1"}),
        }
        for label, jwt in bad.items():
            with self.subTest(token=label):
                self.assert_refused(rig, jwt)

    def test_es256_and_eddsa_key_sets(self):
        for alg, kind in (("ES256", "p256"), ("ES384", "p384"), ("EdDSA", "ed25519")):
            with self.subTest(alg=alg):
                key = private_key(kind, "jwks")
                stub = self.key_server(lambda n, key=key, alg=alg: [jwk(key, "e1", alg)])
                rig = self.jwks_rig(stub.url + "/jwks", JWT_ALG=alg)
                jwt = sign_token({"username": "alice"}, alg, key, header={"kid": "e1"})
                self.wait_accepted(rig, jwt)
                self.assert_accepted(rig, jwt)
                self.assert_refused(rig, sign_token({"username": "alice"}, alg,
                                                    private_key(kind, "other"),
                                                    header={"kid": "e1"}))

    def test_tokens_are_refused_until_the_first_fetch_succeeds(self):
        key = private_key("rsa", "jwks-1")
        release = threading.Event()
        self.addCleanup(release.set)
        stub = self.key_server(lambda n: [jwk(key, "k1", "RS256")], block_first=release)
        rig = self.jwks_rig(stub.url + "/jwks")
        stub.wait_requests(1)  # rig's first fetch is now waiting for the key server
        jwt = sign_token({"username": "alice"}, "RS256", key, header={"kid": "k1"})
        self.assert_refused(rig, jwt)
        release.set()
        self.wait_accepted(rig, jwt)
        self.assert_accepted(rig, jwt)

    def test_key_set_refresh_early_and_periodic(self):
        # Two rigs side by side, so that the two 10-second waits overlap (about 10 s in all).
        # Both key servers rotate after their first answer: "old" is withdrawn, "new" appears.
        # - "early": the periodic refresh is a day away; a token naming an unknown kid makes
        #   rig fetch again (at most every 10 s after the last fetch);
        # - "periodic": RIG_JWKS_REFRESH_S=10 (the minimum) and no token at all is shown to it
        #   before its second fetch, so that fetch can only be the periodic one.
        old, new = private_key("rsa", "jwks-1"), private_key("rsa", "jwks-2")
        old_token = sign_token({"username": "alice"}, "RS256", old, header={"kid": "old"})
        new_token = sign_token({"username": "alice"}, "RS256", new, header={"kid": "new"})

        def rotating(n):
            return [jwk(old, "old", "RS256")] if n == 1 else [jwk(new, "new", "RS256")]
        early_stub = self.key_server(rotating)
        periodic_stub = self.key_server(rotating)
        early = self.jwks_rig(early_stub.url + "/jwks", RIG_JWKS_REFRESH_S="86400")
        periodic = self.jwks_rig(periodic_stub.url + "/jwks", RIG_JWKS_REFRESH_S="10")
        early_stub.wait_requests(1)
        periodic_stub.wait_requests(1)

        # Not loaded yet, or loaded without "new": refused either way, and a refresh is due.
        self.assertEqual(self.sse_status(early, new_token), 400)
        early_stub.wait_requests(2, timeout=30)
        self.wait_accepted(early, new_token)
        self.assert_accepted(early, new_token)
        self.assert_refused(early, old_token)

        periodic_stub.wait_requests(2, timeout=30)
        self.wait_accepted(periodic, new_token)
        self.assert_accepted(periodic, new_token)
        self.assert_refused(periodic, old_token)

if __name__ == "__main__":
    unittest.main()
