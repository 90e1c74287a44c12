"""A cross-process Event that can be set from a signal handler.

stopflag.Flag is libstopflag's stop flag: an atomic flag and a futex on one
anonymous shared page.  Unlike multiprocessing.Event, set() takes no lock,
so a signal handler may call it while the same thread is in wait()
(CPython issue #126434).

    flag = stopflag.Flag()          # before os.fork(): children share it
    stopflag.catch_signal(flag, signal.SIGTERM)
    flag.wait()                     # True once set
    flag.cause                      # ('signal', 15, pid)

A program a stopflag group (or systemd) runs says it is ready with
stopflag.notify("READY=1"), and how it is doing with
stopflag.notify("STATUS=replaying the log").
"""
from stopflag._stopflag import Flag, catch_signal, notify

__all__ = ["Flag", "catch_signal", "notify"]
