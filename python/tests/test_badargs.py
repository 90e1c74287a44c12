"""Bad arguments raise TypeError or ValueError, and leak nothing: no
memory (tracemalloc), no references, no mapping."""
import gc
import signal
import sys
import tracemalloc
import unittest

import stopflag
from support import TestCase

REPEAT = 2000


def mappings():
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)


class BadArgsTest(TestCase):
    def cases(self, flag):
        """(callable, exception, message fragment) for every bad call."""
        return [
            (lambda: stopflag.Flag(1), TypeError, ""),
            (lambda: stopflag.Flag(x=1), TypeError, ""),
            (lambda: flag.set("1"), TypeError, "code must be an int"),
            (lambda: flag.set(1.5), TypeError, "code must be an int"),
            (lambda: flag.set(None), TypeError, "code must be an int"),
            (lambda: flag.set(2 ** 31), ValueError, "code must be between"),
            (lambda: flag.set(-2 ** 80), ValueError, "code must be between"),
            (lambda: flag.set(1, 2), TypeError, ""),
            (lambda: flag.set(cod=1), TypeError, ""),
            (lambda: flag.wait("1"), TypeError, "timeout must be"),
            (lambda: flag.wait([]), TypeError, "timeout must be"),
            (lambda: flag.wait(-1), ValueError, "negative"),
            (lambda: flag.wait(-0.001), ValueError, "negative"),
            (lambda: flag.wait(float("-inf")), ValueError, "negative"),
            (lambda: flag.wait(float("nan")), ValueError, "NaN"),
            (lambda: flag.wait(timeout=float("nan")), ValueError, "NaN"),
            (lambda: flag.is_set(1), TypeError, ""),
            (lambda: stopflag.catch_signal(None, signal.SIGUSR1), TypeError,
             "must be a stopflag.Flag"),
            (lambda: stopflag.catch_signal(flag, "TERM"), TypeError,
             "signum must be an int"),
            (lambda: stopflag.catch_signal(flag, 0), ValueError,
             "cannot be caught"),
            (lambda: stopflag.catch_signal(flag, -1), ValueError,
             "cannot be caught"),
            (lambda: stopflag.catch_signal(flag, 100000), ValueError,
             "cannot be caught"),
            (lambda: stopflag.catch_signal(flag, signal.SIGKILL), ValueError,
             "cannot be caught"),
            (lambda: stopflag.catch_signal(flag, signal.SIGSTOP), ValueError,
             "cannot be caught"),
            (lambda: stopflag.catch_signal(flag, 2 ** 64), ValueError,
             "signum must be between"),
        ]

    def test_each_raises_what_it_says(self):
        flag = stopflag.Flag()
        for call, exc, fragment in self.cases(flag):
            with self.assertRaisesRegex(exc, fragment):
                call()
        self.assertFalse(flag.is_set())

    def test_nothing_leaks(self):
        flag = stopflag.Flag()
        cases = self.cases(flag)
        refs = sys.getrefcount(flag)

        def run():
            for call, exc, _ in cases:
                try:
                    call()
                except exc:
                    pass
        run()  # warm up caches (interned strings, exceptions' types)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(REPEAT):
                run()
            gc.collect()
            grew = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        # REPEAT * len(cases) calls: a leak of one object each is >= 1 MB.
        self.assertLess(grew, 64 * 1024)
        self.assertEqual(sys.getrefcount(flag), refs)

    def test_flags_are_unmapped(self):
        for _ in range(50):
            stopflag.Flag()
        before = mappings()
        for _ in range(2000):
            f = stopflag.Flag()
            f.set()
            del f
        self.assertLessEqual(mappings(), before + 2)

    def test_catch_signal_keeps_one_flag_per_signal(self):
        old = signal.getsignal(signal.SIGUSR2)
        self.addCleanup(signal.signal, signal.SIGUSR2, old)
        a, b = stopflag.Flag(), stopflag.Flag()
        ra = sys.getrefcount(a)
        stopflag.catch_signal(a, signal.SIGUSR2)
        self.assertEqual(sys.getrefcount(a), ra + 1)  # the handler's
        stopflag.catch_signal(b, signal.SIGUSR2)
        self.assertEqual(sys.getrefcount(a), ra)      # let go
        signal.raise_signal(signal.SIGUSR2)
        self.assertFalse(a.is_set())
        self.assertEqual(b.cause[:2], ("signal", signal.SIGUSR2))


if __name__ == "__main__":
    unittest.main()
