"""The Debian package (issue 13): cpack builds rig_<version>_amd64.deb from the build directory
once; the test extracts it with dpkg-deb -x and checks its fields, files and conffiles, runs the
extracted binary's --version and --check-config, and checks the systemd unit with
systemd-analyze verify when that is available."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from rig_harness import BINARY, TIMEOUT

# The build directory holding CPackConfig.cmake: given by CMake (ctest), else the binary's.
BUILD_DIR = os.environ.get("RIG_BUILD_DIR") or os.path.dirname(os.path.abspath(BINARY))
CPACK = shutil.which("cpack")
DPKG_DEB = shutil.which("dpkg-deb")
MISSING = [name for name, path in (("cpack", CPACK), ("dpkg-deb", DPKG_DEB)) if not path]


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


@unittest.skipIf(MISSING, "needs %s to build and read the package" % " and ".join(MISSING))
class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config = os.path.join(BUILD_DIR, "CPackConfig.cmake")
        if not os.path.exists(config):
            raise unittest.SkipTest("no CPackConfig.cmake in %s (configure with CMake)" % BUILD_DIR)
        cls.tmp = tempfile.TemporaryDirectory()
        # /etc/default/rig is generated at build time (target rig_env_file, built by `all`).
        if not os.path.exists(os.path.join(BUILD_DIR, "packaging", "rig.default")):
            built = run(["cmake", "--build", BUILD_DIR, "--target", "rig_env_file"])
            assert built.returncode == 0, built.stdout + built.stderr
        out = os.path.join(cls.tmp.name, "out")
        made = run([CPACK, "-G", "DEB", "--config", config, "-B", out])
        assert made.returncode == 0, made.stdout + made.stderr
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        assert len(debs) == 1, (debs, made.stdout)
        cls.deb_name = debs[0]
        cls.deb = os.path.join(out, debs[0])
        cls.root = os.path.join(cls.tmp.name, "root")
        extracted = run([DPKG_DEB, "-x", cls.deb, cls.root])
        assert extracted.returncode == 0, extracted.stderr
        cls.control = os.path.join(cls.tmp.name, "control")
        control = run([DPKG_DEB, "-e", cls.deb, cls.control])
        assert control.returncode == 0, control.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def field(self, name):
        result = run([DPKG_DEB, "-f", self.deb, name])
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip()

    def rig(self, *args, env=None):
        full = {"PATH": "/usr/bin:/bin", "INBOUND_PORT": "0", "API_HTTP_PORT": "0"}
        full.update(env or {})
        return run([os.path.join(self.root, "usr", "bin", "rig")] + list(args), env=full)

    def test_name_and_fields(self):
        version = self.field("Version")
        self.assertRegex(version, r"^\d+\.\d+\.\d+$")
        self.assertEqual(self.field("Package"), "rig")
        self.assertEqual(self.field("Architecture"), "amd64")
        self.assertEqual(self.deb_name, "rig_%s_amd64.deb" % version)
        # Computed by dpkg-shlibdeps from what the binary links.
        depends = self.field("Depends")
        for library in ("libc6", "libssl3", "librdkafka1"):
            self.assertIn(library, depends)

    def test_files_and_conffile(self):
        for path in ("usr/bin/rig", "lib/systemd/system/rig.service", "etc/default/rig",
                     "usr/share/doc/rig/README.md", "usr/share/doc/rig/operators.md",
                     "usr/share/doc/rig/copyright"):
            self.assertTrue(os.path.isfile(os.path.join(self.root, path)), path)
        self.assertTrue(os.access(os.path.join(self.root, "usr/bin/rig"), os.X_OK))
        with open(os.path.join(self.control, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/default/rig"])
        with open(os.path.join(self.root, "etc/default/rig")) as f:
            defaults = f.read()
        self.assertIn("\n#INBOUND_PORT=4000\n", defaults)
        self.assertIn("\n#RIG_HISTORY_SIZE=10000\n", defaults)
        # Nothing is set by the package: only comments and blank lines.
        self.assertEqual([l for l in defaults.splitlines() if l and not l.startswith("#")], [])

    def test_unit(self):
        with open(os.path.join(self.root, "lib/systemd/system/rig.service")) as f:
            unit = f.read()
        for line in ("EnvironmentFile=-/etc/default/rig", "ExecStart=/usr/bin/rig",
                     "ExecStartPre=/usr/bin/rig --check-config", "LimitNOFILE=1048576",
                     "Restart=on-failure", "DynamicUser=yes", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                     "CapabilityBoundingSet="):
            self.assertIn("\n" + line + "\n", unit)

    def test_extracted_binary_runs(self):
        version = self.rig("--version")
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertTrue(version.stdout.startswith("rig %s" % self.field("Version")),
                        version.stdout)
        ok = self.rig("--check-config")
        self.assertEqual((ok.returncode, ok.stdout, ok.stderr), (0, "config ok\n", ""))
        bad = self.rig("--check-config", env={"RIG_MAX_BODY_BYTES": "lots"})
        self.assertEqual(bad.returncode, 2)
        self.assertIn("RIG_MAX_BODY_BYTES", bad.stderr)

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed")
        # The unit names /usr/bin/rig, which is not installed here: verify a copy naming the
        # extracted binary (verify checks that each command is executable).
        with open(os.path.join(self.root, "lib/systemd/system/rig.service")) as f:
            unit = f.read().replace("/usr/bin/rig", os.path.join(self.root, "usr/bin/rig"))
        units = os.path.join(self.tmp.name, "units")
        os.makedirs(units, exist_ok=True)
        path = os.path.join(units, "rig.service")
        with open(path, "w") as f:
            f.write(unit)
        result = run([analyze, "verify", path])
        # Only complaints about this unit count (the container's own units may have some).
        problems = [l for l in (result.stdout + result.stderr).splitlines()
                    if "rig.service" in l]
        self.assertEqual(problems, [], result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
