"""Flag.from_env() in exec tasks of stopflagd, and outside a group."""
import os
import subprocess
import sys
import tempfile
import unittest

import stopflag
from support import SLOW, TestCase

STOPFLAGD = os.path.join(os.environ.get("top_builddir", ""),
                         "src", "daemon", "stopflagd")

# Where the stopflag under test lives, for the tasks' interpreters.
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(
    stopflag.__file__)))

# Exec tasks: one asks the group to stop with code 5 once the other is
# ready (opening the fifo "ready" blocks until both have), the other
# waits on the flag and writes down the cause.  Its stop signal only sets
# the flag (already set), so it outlives the stop to write.
ASKER = """
import os, stopflag
flag = stopflag.Flag.from_env()
open("ready").read()
open("asker", "w").write("%d" % os.getpgrp())
assert flag.stop_all(5) is True
"""
WAITER = """
import os, signal, stopflag
flag = stopflag.Flag.from_env()
stopflag.catch_signal(flag, signal.SIGTERM)
open("ready", "w").close()
assert flag.wait(60) is True
open("waiter", "w").write("%s %d %d" % flag.cause)
"""


@unittest.skipUnless(os.access(STOPFLAGD, os.X_OK),
                     "no stopflagd in $top_builddir (run by make check)")
class FromEnvTest(TestCase):
    def run_group(self, tasks):
        d = tempfile.mkdtemp()
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        os.mkfifo(os.path.join(d, "ready"))
        conf = os.path.join(d, "group.conf")
        with open(conf, "w") as f:
            f.write("[stopflagd]\ngrace = 5s\n")
            for name, code in tasks:
                with open(os.path.join(d, name + ".py"), "w") as s:
                    s.write(code)
                f.write("[task %s]\ntype = exec\ncommand = %s %s\n"
                        % (name, sys.executable,
                           os.path.join(d, name + ".py")))
        env = dict(os.environ, PYTHONPATH=PACKAGE_DIR)
        p = subprocess.run([STOPFLAGD, "-c", conf], cwd=d, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60 * SLOW, universal_newlines=True)
        return d, p

    def test_stop_all_sets_the_exit_status(self):
        d, p = self.run_group([("waiter", WAITER), ("asker", ASKER)])
        self.assertEqual(p.returncode, 5, p.stdout)
        self.assertIn("stopping: request (code 5) from task asker", p.stdout)
        with open(os.path.join(d, "asker")) as f:
            pgrp = int(f.read())
        with open(os.path.join(d, "waiter")) as f:
            self.assertEqual(f.read(), "request 5 %d" % pgrp)

    def test_outside_a_group_it_says_so(self):
        env = dict(os.environ)
        env.pop("STOPFLAG_FD", None)
        p = subprocess.run(
            [sys.executable, "-c", "import stopflag; stopflag.Flag.from_env()"],
            env=env, stderr=subprocess.PIPE, universal_newlines=True,
            timeout=60 * SLOW)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("FileNotFoundError", p.stderr)
        self.assertIn("not in a stopflag group: STOPFLAG_FD is not set",
                      p.stderr)


class FromEnvBadTest(TestCase):
    """What STOPFLAG_FD can hold that is not a flag: OSError, the errno
    and the variable named, never a crash."""

    def from_env(self, value):
        old = os.environ.get("STOPFLAG_FD")
        os.environ["STOPFLAG_FD"] = value
        try:
            with self.assertRaises(OSError) as cm:
                stopflag.Flag.from_env()
        finally:
            if old is None:
                del os.environ["STOPFLAG_FD"]
            else:
                os.environ["STOPFLAG_FD"] = old
        self.assertIn("STOPFLAG_FD", str(cm.exception))
        return cm.exception.errno

    def test_bad_values(self):
        import errno
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        self.addCleanup(os.close, w)
        self.assertEqual(self.from_env("x"), errno.EINVAL)
        self.assertEqual(self.from_env(""), errno.EINVAL)
        self.assertEqual(self.from_env("-1"), errno.EINVAL)
        self.assertEqual(self.from_env(str(w + 100)), errno.EBADF)
        self.assertEqual(self.from_env(str(r)), errno.EINVAL)


if __name__ == "__main__":
    unittest.main()
