"""What the tests of the stopflag module share: a watchdog for every test,
and forked children that end however their body ends."""
import faulthandler
import os
import signal
import sys
import time
import traceback
import unittest

# How slow this build is: the sanitizer build runs the same tests slower.
SLOW = 4 if os.environ.get("SF_SLOW") else 1


class TestCase(unittest.TestCase):
    """A test that dumps every thread's stack and exits if it runs longer
    than `watchdog` seconds."""

    watchdog = 120

    def setUp(self):
        faulthandler.dump_traceback_later(self.watchdog * SLOW, exit=True)
        self.addCleanup(faulthandler.cancel_dump_traceback_later)
        self.children = []
        self.addCleanup(self.kill_children)

    def fork(self, body, limit=60):
        """Run body() in a forked child, which exits with its return
        value (0 for None), 99 if it raised, or dies of SIGALRM after
        `limit` seconds.  Returns the child's pid."""
        pid = os.fork()
        if pid == 0:
            status = 99
            try:
                for s in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM,
                          signal.SIGUSR1, signal.SIGCHLD):
                    signal.signal(s, signal.SIG_DFL)
                signal.alarm(limit * SLOW)
                status = body() or 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        self.children.append(pid)
        return pid

    def reap(self, pid):
        """The exit status of child pid (a death by signal fails)."""
        _, status = os.waitpid(pid, 0)
        self.children.remove(pid)
        if os.WIFSIGNALED(status):
            self.fail("child %d killed by signal %d"
                      % (pid, os.WTERMSIG(status)))
        return os.WEXITSTATUS(status)

    def kill_children(self):
        for pid in self.children:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        self.children = []


def elapsed_since(t0):
    return time.monotonic() - t0
