"""HTTPS settings at start-up (spec §1, §12.1): a certificate or key problem stops the real
binary with exit code 2 and one line naming the variable; a good pair starts it. The TLS
fixtures are tests/fixtures/tls (made by make-fixtures.sh)."""

import os
import signal
import subprocess
import unittest

from rig_harness import BINARY, TIMEOUT, Rig, run_rig_expecting_failure

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                         "fixtures", "tls"))
PASSPHRASE = "rig-test-pass"


def fixture(name):
    return os.path.join(FIXTURES, name)


def run_without_terminal(env, stdin_text):
    """Like run_rig_expecting_failure, but in a new session (no controlling terminal) with
    `stdin_text` waiting on stdin: where OpenSSL's prompt would read a passphrase from."""
    full = dict(os.environ)
    full.update({"INBOUND_PORT": "0", "API_HTTP_PORT": "0", "RIG_BIND_ADDRESS": "127.0.0.1",
                 "RIG_API_BIND_ADDRESS": "127.0.0.1", "RIG_READY_FILE": "/dev/stdout"})
    full.update(env)
    proc = subprocess.Popen([BINARY], env=full, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(stdin_text.encode(), timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate()
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


class HttpsConfiguration(unittest.TestCase):
    def assert_config_error(self, result, expected):
        code, out, err = result
        self.assertEqual(code, 2, "stdout=%r stderr=%r" % (out, err))
        self.assertEqual(out, "", "no ready line may be written")
        self.assertEqual(err.strip().splitlines(), ["rig: invalid configuration: " + expected])

    def test_cert_without_key(self):
        self.assert_config_error(
            run_rig_expecting_failure({"HTTPS_CERTFILE": fixture("rsa-cert.pem")}),
            "HTTPS_KEYFILE: required when HTTPS_CERTFILE is set")

    def test_key_without_cert(self):
        self.assert_config_error(
            run_rig_expecting_failure({"HTTPS_KEYFILE": fixture("rsa-key.pem")}),
            "HTTPS_CERTFILE: required when HTTPS_KEYFILE is set")

    def test_passphrase_alone(self):
        self.assert_config_error(
            run_rig_expecting_failure({"HTTPS_KEYFILE_PASS": PASSPHRASE}),
            "HTTPS_KEYFILE_PASS: set without HTTPS_CERTFILE and HTTPS_KEYFILE")

    def test_missing_cert_file(self):
        missing = fixture("no-such-cert.pem")
        self.assert_config_error(
            run_rig_expecting_failure({"HTTPS_CERTFILE": missing,
                                       "HTTPS_KEYFILE": fixture("rsa-key.pem")}),
            'HTTPS_CERTFILE: cannot read "%s": No such file or directory' % missing)

    def test_wrong_passphrase(self):
        for name in ("rsa-key-pkcs8-encrypted.pem", "rsa-key-traditional-encrypted.pem"):
            with self.subTest(key=name):
                result = run_rig_expecting_failure({"HTTPS_CERTFILE": fixture("rsa-cert.pem"),
                                                    "HTTPS_KEYFILE": fixture(name),
                                                    "HTTPS_KEYFILE_PASS": "not-the-pass-4711"})
                self.assert_config_error(
                    result, 'HTTPS_KEYFILE_PASS: wrong passphrase for "%s"' % fixture(name))
                self.assertNotIn("4711", result[2], "the passphrase is never printed")

    def test_encrypted_key_without_passphrase_never_prompts(self):
        # No terminal, and the right passphrase on stdin: a prompt would read it and start rig.
        for name in ("rsa-key-pkcs8-encrypted.pem", "rsa-key-traditional-encrypted.pem"):
            with self.subTest(key=name):
                result = run_without_terminal({"HTTPS_CERTFILE": fixture("rsa-cert.pem"),
                                               "HTTPS_KEYFILE": fixture(name)},
                                              PASSPHRASE + "\n" + PASSPHRASE + "\n")
                self.assert_config_error(
                    result, 'HTTPS_KEYFILE_PASS: "%s" is encrypted and no passphrase is set'
                    % fixture(name))

    def test_key_that_does_not_match(self):
        self.assert_config_error(
            run_rig_expecting_failure({"HTTPS_CERTFILE": fixture("rsa-cert.pem"),
                                       "HTTPS_KEYFILE": fixture("other-key.pem")}),
            'HTTPS_KEYFILE: the key in "%s" does not match the certificate'
            % fixture("other-key.pem"))

    def test_good_pairs_start(self):
        cases = [
            {"HTTPS_CERTFILE": fixture("rsa-cert.pem"), "HTTPS_KEYFILE": fixture("rsa-key.pem")},
            {"HTTPS_CERTFILE": fixture("ec-cert.pem"), "HTTPS_KEYFILE": fixture("ec-key.pem"),
             "RIG_HTTP2": "false"},
            {"HTTPS_CERTFILE": fixture("rsa-cert.pem"),
             "HTTPS_KEYFILE": fixture("rsa-key-pkcs8-encrypted.pem"),
             "HTTPS_KEYFILE_PASS": PASSPHRASE},
        ]
        for env in cases:
            with self.subTest(env=env):
                # The HTTPS ports are 0 so that the test never depends on 4001/4011 being free
                # once the HTTPS listeners exist.
                env = dict(env, INBOUND_HTTPS_PORT="0", API_HTTPS_PORT="0")
                with Rig(env=env) as rig:
                    status, _, body = rig.request("GET", "/_rig/health")
                    self.assertEqual((status, body), (200, b"OK"))


if __name__ == "__main__":
    unittest.main()
