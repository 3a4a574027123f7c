# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Inject one file system fault (ENOSPC, EROFS, ...) at the N-th mutating OS call, whatever code makes it.

Every call that changes the file system (creating/opening for writing, writing, fsync, rename, link, chmod,
chown) is counted; the N-th raises ``OSError(errno)`` and every later call succeeds (one fault per run). Running a
module with N = 1, 2, ... until a run sees no fault tries a failure at each step of its write path. Removing files
(cleanup) and syncing a directory (best effort, after the change) are never failed.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from contextlib import contextmanager

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_MUTATING = ("write", "fsync", "fdatasync", "rename", "replace", "link", "chmod", "fchmod", "lchmod", "chown",
             "fchown", "lchown", "utime", "truncate", "ftruncate")


class FaultInjector:
    def __init__(self, fail_at, err=errno.ENOSPC):
        self.fail_at = fail_at
        self.err = err
        self.calls = []
        self.fired = None

    def _hit(self, name, args):
        self.calls.append(name)
        if len(self.calls) == self.fail_at:
            self.fired = "%s(%s)" % (name, ", ".join(repr(a) for a in args[:1]))
            raise OSError(self.err, os.strerror(self.err))

    def wrap(self, name, real):
        def fake(*args, **kwargs):
            if name == "open":
                flags = args[1] if len(args) > 1 else kwargs.get("flags", 0)
                if flags & _WRITE_FLAGS:
                    self._hit(name, args)
            elif name == "fsync" and stat.S_ISDIR(os.fstat(args[0]).st_mode):
                pass  # syncing the directory after the rename is best effort: the change is already made
            else:
                self._hit(name, args)
            return real(*args, **kwargs)
        return fake


@contextmanager
def inject(monkeypatch, fail_at, err=errno.ENOSPC):
    injector = FaultInjector(fail_at, err)
    with monkeypatch.context() as patcher:
        for name in _MUTATING + ("open",):
            real = getattr(os, name, None)
            if real is not None:
                patcher.setattr(os, name, injector.wrap(name, real))
        # shutil.copyfile copies with sendfile/open() that bypass the os wrappers; count it as one write.
        real_copyfile = shutil.copyfile
        patcher.setattr(shutil, "copyfile", injector.wrap("copyfile", real_copyfile))
        yield injector


def tree(directory):
    """{name: (sha-free content, mode)} of every entry in ``directory`` (hidden temporaries included)."""
    state = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        st = os.lstat(path)
        with open(path, "rb") as handle:
            state[name] = (handle.read(), stat.S_IMODE(st.st_mode), st.st_ino)
    return state
