"""Shared across fork: the first of 32 racing setters wins, and every
process agrees which."""
import multiprocessing
import os
import sys
import unittest

import stopflag
from support import SLOW, TestCase

RACERS = 32
WON, LOST = 10, 11


def race(go, flag, code):
    """Wait for the start, then set: exit WON if this call set it."""
    if not go.wait(60 * SLOW):
        return 2
    return WON if flag.set(code) else LOST


def mp_race(go, flag, code):
    sys.exit(race(go, flag, code))


class ForkRaceTest(TestCase):
    def check_one_winner(self, results, flag):
        """results: (pid, code, exit status) of every racer."""
        winners = [r for r in results if r[2] == WON]
        self.assertEqual(len(winners), 1, results)
        self.assertEqual(sorted(r[2] for r in results),
                         [WON] + [LOST] * (RACERS - 1))
        pid, code, _ = winners[0]
        self.assertEqual(flag.cause, ("request", code, pid))

    def test_os_fork(self):
        go, flag = stopflag.Flag(), stopflag.Flag()
        pids = {self.fork(lambda c=c: race(go, flag, c)): c
                for c in range(100, 100 + RACERS)}
        go.set()
        results = [(pid, code, self.reap(pid)) for pid, code in pids.items()]
        self.check_one_winner(results, flag)

    def test_multiprocessing_fork_context(self):
        ctx = multiprocessing.get_context("fork")
        go, flag = stopflag.Flag(), stopflag.Flag()
        procs = [ctx.Process(target=mp_race, args=(go, flag, c))
                 for c in range(200, 200 + RACERS)]
        for p in procs:
            p.start()
        self.addCleanup(lambda: [p.kill() for p in procs if p.is_alive()])
        go.set()
        for p in procs:
            p.join(60 * SLOW)
        results = [(p.pid, c, p.exitcode)
                   for p, c in zip(procs, range(200, 200 + RACERS))]
        self.check_one_winner(results, flag)

    def test_spawn_cannot_take_a_flag(self):
        # A flag is shared by fork alone; pickling it says so.
        import pickle
        with self.assertRaisesRegex(TypeError, "fork"):
            pickle.dumps(stopflag.Flag())


if __name__ == "__main__":
    unittest.main()
