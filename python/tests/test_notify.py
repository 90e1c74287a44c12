"""stopflag.notify(): what it sends, where, and what it refuses."""
import errno
import os
import socket
import tempfile
import unittest

import stopflag
from support import TestCase


class NotifyTest(TestCase):
    watchdog = 30

    def setUp(self):
        super().setUp()
        saved = os.environ.get("NOTIFY_SOCKET")
        self.addCleanup(self.restore, saved)
        os.environ.pop("NOTIFY_SOCKET", None)

    @staticmethod
    def restore(saved):
        if saved is None:
            os.environ.pop("NOTIFY_SOCKET", None)
        else:
            os.environ["NOTIFY_SOCKET"] = saved

    def listener(self, address):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(address)
        sock.settimeout(10)
        return sock

    def test_no_socket_is_false(self):
        self.assertIs(stopflag.notify("READY=1"), False)

    def test_path_socket_gets_the_state(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "notify")
            sock = self.listener(path)
            os.environ["NOTIFY_SOCKET"] = path
            self.assertIs(stopflag.notify("READY=1\nSTATUS=serving"), True)
            self.assertEqual(sock.recv(4096), b"READY=1\nSTATUS=serving")

    def test_abstract_socket_gets_the_state(self):
        name = "stopflag-test-notify-%d" % os.getpid()
        sock = self.listener("\0" + name)
        os.environ["NOTIFY_SOCKET"] = "@" + name
        self.assertIs(stopflag.notify(state="STATUS=replaying"), True)
        self.assertEqual(sock.recv(4096), b"STATUS=replaying")

    def test_nobody_listening_is_oserror(self):
        name = "stopflag-test-nobody-%d" % os.getpid()
        os.environ["NOTIFY_SOCKET"] = "@" + name
        with self.assertRaises(OSError) as cm:
            stopflag.notify("READY=1")
        self.assertEqual(cm.exception.errno, errno.ECONNREFUSED)

    def test_refusals(self):
        os.environ["NOTIFY_SOCKET"] = "@stopflag-test-unused"
        for bad in ("", "READY=1\0x"):
            with self.assertRaises(ValueError, msg=repr(bad)):
                stopflag.notify(bad)
        with self.assertRaises(TypeError):
            stopflag.notify(b"READY=1")
        os.environ["NOTIFY_SOCKET"] = "relative/path"
        with self.assertRaisesRegex(ValueError, "NOTIFY_SOCKET"):
            stopflag.notify("READY=1")


if __name__ == "__main__":
    unittest.main()
