#!/usr/bin/env python3
"""seed.py: the program stopflag was born from, as a Python programmer
writes it now.

A master runs two subtasks: a heartbeat that logs every 5 s, and a watcher
that asks for the stop when a file named ./stop appears.  Everything stops
together, at once, on SIGINT, SIGTERM or SIGQUIT to the master, on a
subtask's request, and on a subtask's death.  There is no Queue standing in
for an Event, no get(timeout=1) loop and no ppid polling: one
stopflag.Flag, set by C signal handlers, by a subtask, or by the master's
SIGCHLD handler, and slept on by everybody.

    python3 seed.py [--interval 5] [--check 0.5]

The same two subtasks run under stopflagd as exec tasks (seed.conf); each
then joins the group's flag with stopflag.Flag.from_env():

    python3 seed.py task heartbeat|watcher [--interval 5] [--check 0.5]
"""
import argparse
import ctypes
import os
import signal
import sys

import stopflag

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


def log(msg):
    # one write a line: the processes share stdout, and print() may write
    # the text and its newline apart (python3 -u)
    sys.stdout.write("%s[%d]: %s\n" % (NAME, os.getpid(), msg))
    sys.stdout.flush()


def heartbeat(flag, args):
    beats = 0
    while not flag.wait(args.interval):  # the stop wakes it at once
        beats += 1
        log("heartbeat %d" % beats)
    return 0


def watcher(flag, args, ask):
    # args.check is only how often ./stop is looked for: the stop itself
    # wakes this wait at once, whoever sets the flag.
    while True:
        if os.path.exists("stop"):
            log("./stop appeared: asking everybody to stop")
            ask(0)
            return 0
        if flag.wait(args.check):
            return 0


SUBTASKS = {
    "heartbeat": heartbeat,
    "watcher": lambda flag, args: watcher(flag, args, flag.set),
}


def follow_parent(master_pid):
    """SIGTERM when the master dies; a stop signal sets the shared flag
    (inherited handler), so every subtask ends."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != master_pid:  # it died before the prctl
        os.kill(os.getpid(), signal.SIGTERM)


def start(name, flag, args, master_pid):
    pid = os.fork()
    if pid:
        return pid
    global NAME
    NAME = name
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        follow_parent(master_pid)
        status = SUBTASKS[name](flag, args)
    except BaseException as e:  # a crash ends the subtask: the master sees
        log("failed: %r" % e)
    finally:
        sys.stdout.flush()
        os._exit(status)


def describe(cause, tasks, dead):
    reason, code, pid = cause
    if reason == "signal" and code == signal.SIGCHLD and dead:
        pid, status = dead
        return "%s (pid %d) ended, status %d" % (tasks[pid], pid, status)
    if reason == "signal":
        return "signal %d (%s) in pid %d" % (code, signal.Signals(code).name,
                                             pid)
    return "%s (code %d) from pid %d" % (reason, code, pid)


def master(args):
    flag = stopflag.Flag()
    for signum in STOP_SIGNALS + (signal.SIGCHLD,):
        stopflag.catch_signal(flag, signum)
    me = os.getpid()
    tasks = {start(name, flag, args, me): name for name in SUBTASKS}
    log("running: heartbeat pid %d, watcher pid %d" % tuple(tasks))

    flag.wait()                                   # the one place it sleeps

    dead = None
    if flag.cause[:2] == ("signal", signal.SIGCHLD):
        # A subtask ended on its own: reap it, to say which.
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            dead = (pid, os.waitstatus_to_exitcode(status))
    log("stopping: " + describe(flag.cause, tasks, dead))
    left = [p for p in tasks if not dead or p != dead[0]]
    # Every subtask wakes on the flag by itself; the grace is for one
    # that hangs anyway.
    signal.signal(signal.SIGALRM,
                  lambda *a: [os.kill(p, signal.SIGKILL) for p in left])
    signal.alarm(5)
    for pid in left:
        os.waitpid(pid, 0)
    signal.alarm(0)
    log("all tasks reaped")
    return 1 if dead else 0


def task(args):
    """One subtask, exec'd by stopflagd: the group's flag comes from the
    environment, and the watcher's request stops the whole group."""
    global NAME
    NAME = args.name
    flag = stopflag.Flag.from_env()
    # A stop signal (stopflagd's, or PR_SET_PDEATHSIG's if it died)
    # sets the flag too, so the wait ends however the stop comes.
    stopflag.catch_signal(flag, signal.SIGTERM)
    log("running")
    if args.name == "watcher":
        status = watcher(flag, args, flag.stop_all)
    else:
        status = heartbeat(flag, args)
    log("stopping: %s (code %d) from pid %d" % flag.cause)
    return status


NAME = "master"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--interval", type=float, default=5.0,
                   help="seconds between heartbeats (5)")
    p.add_argument("--check", type=float, default=0.5,
                   help="seconds between looks for ./stop (0.5)")
    sub = p.add_subparsers(dest="mode")
    t = sub.add_parser("task", help="one subtask, run by stopflagd")
    t.add_argument("name", choices=sorted(SUBTASKS))
    t.add_argument("--interval", type=float, default=5.0)
    t.add_argument("--check", type=float, default=0.5)
    args = p.parse_args()
    return task(args) if args.mode == "task" else master(args)


if __name__ == "__main__":
    sys.exit(main())
