"""Signals: a set from a handler while the same thread waits (CPython
#126434's deadlock with multiprocessing.Event), Ctrl-C during a wait, and
deadlines that a signal storm cannot stretch."""
import os
import signal
import time
import unittest

import stopflag
from support import SLOW, TestCase, elapsed_since

ROUNDS = int(os.environ.get("SF_PY_ROUNDS", "1000"))
WAITERS = 16


def restore(signum, old):
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signum, old)


class SetFromHandlerTest(TestCase):
    """ROUNDS rounds: SIGALRM comes every millisecond while this thread
    waits on a fresh flag, and its handler sets that flag; WAITERS children
    wait on every flag in turn.  The timer repeats so that a signal landing
    just before the sleep (the one window Python's own handlers share with
    every blocking call of CPython) costs a millisecond, not the test."""

    def run_rounds(self, arm, reason, code):
        flags = [stopflag.Flag() for _ in range(ROUNDS)]

        def waiter():
            for i, flag in enumerate(flags):
                if not flag.wait(30 * SLOW):
                    print("waiter: round %d timed out" % i)
                    return 1
                if flag.cause[:2] != (reason, code):
                    print("waiter: round %d: cause %r" % (i, flag.cause))
                    return 2
            return 0

        pids = [self.fork(waiter, limit=120) for _ in range(WAITERS)]
        old = signal.getsignal(signal.SIGALRM)
        self.addCleanup(restore, signal.SIGALRM, old)
        t0 = time.monotonic()
        for flag in flags:
            arm(flag)
            signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
            self.assertIs(flag.wait(), True)
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.assertEqual(flag.cause, (reason, code, os.getpid()))
        took = elapsed_since(t0)
        self.assertEqual([self.reap(p) for p in pids], [0] * WAITERS)
        print("\n  %d rounds, %d waiters: %.2f s" % (ROUNDS, WAITERS, took),
              end=" ")

    def test_catch_signal_sets_it_from_a_c_handler(self):
        self.run_rounds(lambda f: stopflag.catch_signal(f, signal.SIGALRM),
                        "signal", signal.SIGALRM)

    def test_a_python_handler_sets_it(self):
        def arm(flag):
            signal.signal(signal.SIGALRM, lambda *a: flag.set(7))
        self.run_rounds(arm, "request", 7)


class CtrlCTest(TestCase):
    def test_sigint_during_wait_raises_keyboard_interrupt(self):
        flag = stopflag.Flag()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        parent = os.getpid()

        def ctrl_c():
            os.close(r)
            time.sleep(0.3)
            os.write(w, repr(time.monotonic()).encode())
            os.kill(parent, signal.SIGINT)

        pid = self.fork(ctrl_c)
        os.close(w)
        with self.assertRaises(KeyboardInterrupt):
            flag.wait(30)
        woke = time.monotonic()
        sent = float(os.read(r, 64).decode())
        self.assertEqual(self.reap(pid), 0)
        self.assertFalse(flag.is_set())
        print("\n  raised %.1f ms after the kill" % ((woke - sent) * 1e3),
              end=" ")
        self.assertLess(woke - sent, 1.0 * SLOW)


class DeadlineTest(TestCase):
    """A timed wait ends at its deadline, however many signals arrive."""

    def storm(self, install):
        flag = stopflag.Flag()
        count = [0]
        old = signal.getsignal(signal.SIGALRM)
        self.addCleanup(restore, signal.SIGALRM, old)
        install(count)
        signal.setitimer(signal.ITIMER_REAL, 0.002, 0.002)
        t0 = time.monotonic()
        self.assertIs(flag.wait(0.5), False)
        took = elapsed_since(t0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.assertGreaterEqual(took, 0.5)
        self.assertLess(took, 0.5 + 1.0 * SLOW)
        return count[0]

    def test_python_handler_runs_and_the_deadline_holds(self):
        def install(count):
            def handler(*a):
                count[0] += 1
            signal.signal(signal.SIGALRM, handler)
        # The handler ran during the wait, many times: each signal woke it.
        self.assertGreater(self.storm(install), 20)

    def test_c_handler_of_another_flag_and_the_deadline_holds(self):
        other = stopflag.Flag()
        self.storm(lambda count: stopflag.catch_signal(other,
                                                       signal.SIGALRM))
        self.assertEqual(other.cause[:2], ("signal", signal.SIGALRM))


if __name__ == "__main__":
    unittest.main()
