"""The Flag itself: set, is_set, wait, cause, and the GIL released."""
import os
import threading
import time
import unittest

import stopflag
from support import SLOW, TestCase, elapsed_since


class FlagTest(TestCase):
    def test_new_flag_is_unset(self):
        flag = stopflag.Flag()
        self.assertFalse(flag.is_set())
        self.assertIsNone(flag.cause)
        self.assertFalse(flag.wait(0))

    def test_first_set_wins(self):
        flag = stopflag.Flag()
        self.assertIs(flag.set(3), True)
        self.assertIs(flag.set(code=4), False)
        self.assertTrue(flag.is_set())
        self.assertEqual(flag.cause, ("request", 3, os.getpid()))
        self.assertIs(flag.wait(), True)
        self.assertIs(flag.wait(0), True)

    def test_default_code_is_zero(self):
        flag = stopflag.Flag()
        flag.set()
        self.assertEqual(flag.cause, ("request", 0, os.getpid()))

    def test_timeout_returns_false_after_the_timeout(self):
        flag = stopflag.Flag()
        t0 = time.monotonic()
        self.assertIs(flag.wait(0.2), False)
        took = elapsed_since(t0)
        self.assertGreaterEqual(took, 0.2)
        self.assertLess(took, 0.2 + 1.0 * SLOW)
        self.assertIs(flag.wait(timeout=0.01), False)

    def test_wait_releases_the_gil(self):
        # Only a thread that runs while the main thread sleeps can set it.
        flag = stopflag.Flag()
        timer = threading.Timer(0.1, flag.set, (5,))
        timer.start()
        try:
            self.assertIs(flag.wait(30), True)
        finally:
            timer.join()
        self.assertEqual(flag.cause, ("request", 5, os.getpid()))

    def test_a_child_sets_the_parent_sees_its_pid(self):
        flag = stopflag.Flag()
        pid = self.fork(lambda: 0 if flag.set(9) else 1)
        self.assertIs(flag.wait(30), True)
        self.assertEqual(self.reap(pid), 0)
        self.assertEqual(flag.cause, ("request", 9, pid))

    def test_children_waiting_wake_on_one_set(self):
        flag = stopflag.Flag()
        pids = [self.fork(lambda: 0 if flag.wait(30) else 1)
                for _ in range(8)]
        flag.set()
        self.assertEqual([self.reap(p) for p in pids], [0] * 8)

    def test_docstrings(self):
        for obj in (stopflag, stopflag.Flag, stopflag.Flag.set,
                    stopflag.Flag.wait, stopflag.Flag.is_set,
                    stopflag.Flag.cause, stopflag.catch_signal):
            self.assertTrue(obj.__doc__, obj)


if __name__ == "__main__":
    unittest.main()
