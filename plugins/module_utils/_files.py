# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Files that hold secrets: read, plan, write atomically, keep owner/group/mode right, back up.

Typical use in a module whose spec includes ``add_file_common_args=True``::

    file_args = secret_file_args(module, path)                  # mode defaults to 0600
    current = read_file(path)                                   # FileState (content None when absent)
    result = ensure_file(module, path, new_content_or_None, file_args, backup=module.params['backup'])

``ensure_file`` honours check mode (predicts, writes nothing) and reports what changed, including
owner/group/mode corrections, with a diff of the attributes only (never the content).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

DEFAULT_SECRET_MODE = 0o600
# Key and secret files are tiny; refuse to slurp something that obviously is not one.
MAX_SECRET_FILE_SIZE = 1024 * 1024


class FileAccessError(Exception):
    """A file cannot be read or written; the message says which and why."""


class FileState:
    """What is on disk now. ``content`` is ``None`` when the file does not exist."""

    __slots__ = ("path", "content", "stat")

    def __init__(self, path, content=None, stat_result=None):
        self.path = path
        self.content = content
        self.stat = stat_result

    @property
    def exists(self):
        return self.content is not None

    @property
    def mtime_ns(self):
        return self.stat.st_mtime_ns if self.stat is not None else None


def read_file(path, max_size=MAX_SECRET_FILE_SIZE):
    """Read ``path`` as bytes. A missing file gives ``FileState(content=None)``; other problems raise."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return FileState(path)
        raise FileAccessError("cannot access %s: %s" % (path, exc.strerror)) from None
    if stat.S_ISDIR(st.st_mode):
        raise FileAccessError("%s is a directory, not a file" % path)
    if not stat.S_ISREG(st.st_mode):
        raise FileAccessError("%s is not a regular file" % path)
    if st.st_size > max_size:
        raise FileAccessError("%s is %d bytes, far too large for a key or secret file" % (path, st.st_size))
    try:
        with open(path, "rb") as handle:
            content = handle.read(max_size + 1)
    except (IOError, OSError) as exc:
        raise FileAccessError("cannot read %s: %s" % (path, exc.strerror or exc)) from None
    return FileState(path, content, st)


def check_parent_dir(path):
    """Raise ``FileAccessError`` unless the directory that will hold ``path`` exists."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise FileAccessError("the directory %s does not exist; create it first (for example with "
                              "ansible.builtin.file state=directory)" % parent)


def secret_file_args(module, path, default_mode=DEFAULT_SECRET_MODE):
    """``load_file_common_arguments`` for ``path`` with ``mode`` defaulting to ``default_mode``."""
    file_args = module.load_file_common_arguments(module.params, path=path)
    if file_args.get("mode") is None:
        file_args["mode"] = default_mode
    return file_args


def _octal(mode):
    return "0%03o" % mode if isinstance(mode, int) else mode


def plan_attributes(module, file_args):
    """Would owner/group/mode/attributes/SELinux change? Returns ``(changed, diff)``; touches nothing.

    ``diff`` is ``{'before': {...}, 'after': {...}}`` with the attributes that differ. For a file that does not
    exist yet, ``changed`` is True and ``after`` lists the requested owner/group/mode.
    """
    diff = {"before": {}, "after": {}}
    if not os.path.lexists(file_args["path"]):
        for key in ("owner", "group", "mode"):
            if file_args.get(key) is not None:
                diff["after"][key] = _octal(file_args[key])
        return True, diff
    saved = module.check_mode
    module.check_mode = True  # set_*_if_different only compare and fill the diff in check mode
    try:
        changed = module.set_fs_attributes_if_different(file_args, False, diff=diff)
    finally:
        module.check_mode = saved
    return changed, diff


def apply_attributes(module, file_args):
    """Set owner/group/mode/attributes/SELinux where they differ (no-op in check mode). Returns changed."""
    if module.check_mode:
        return plan_attributes(module, file_args)[0]
    return module.set_fs_attributes_if_different(file_args, False)


def _fsync_dir(path):
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_file_atomic(module, path, content, file_args, backup=False):
    """Replace ``path`` with ``content`` atomically; return the backup file name (or ``None``).

    The temporary file is created 0600 in the destination directory, written, fsynced, given the requested
    owner/group/mode, then renamed over the destination with ``module.atomic_move``. While a new file is being
    created the umask is 077, so the file is never readable by others, not even for a moment. Must not be called
    in check mode.
    """
    if module.check_mode:
        raise RuntimeError("write_file_atomic() called in check mode")
    check_parent_dir(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    module.add_cleanup_file(tmp_path)
    try:
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp_args = dict(file_args, path=tmp_path)
        # Attributes go on the temporary file first so the final file has them from the start.
        module.set_fs_attributes_if_different(tmp_args, False)
        backup_file = None
        if backup and os.path.exists(path):
            backup_file = module.backup_local(path)
        old_umask = os.umask(0o077)
        try:
            module.atomic_move(tmp_path, path, unsafe_writes=module.params.get("unsafe_writes") or False,
                               keep_dest_attrs=False)
        finally:
            os.umask(old_umask)
        _fsync_dir(path)
    except (IOError, OSError) as exc:
        raise FileAccessError("cannot write %s: %s" % (path, exc.strerror or exc)) from None
    finally:
        if os.path.exists(tmp_path):
            try:
                os.unlink(tmp_path)
            except OSError:
                pass
    # atomic_move resets mode and ownership of a file it creates: set them again.
    module.set_fs_attributes_if_different(file_args, False)
    return backup_file


def ensure_file(module, path, content, file_args, backup=False, current=None):
    """Make ``path`` hold ``content`` (bytes, or ``None`` to keep the content) with ``file_args`` attributes.

    Honours check mode. Returns a dict: ``changed``, ``content_changed``, ``attributes_changed``,
    ``backup_file`` (when a backup was made) and ``attributes_diff`` (before/after of owner/group/mode only).
    """
    if current is None:
        current = read_file(path)
    content_changed = content is not None and content != current.content
    if content is None and not current.exists:
        raise FileAccessError("%s does not exist and there is no content to write" % path)
    if content_changed:
        check_parent_dir(path)
    attributes_changed, attributes_diff = plan_attributes(module, file_args)
    result = {
        "changed": bool(content_changed or attributes_changed),
        "content_changed": bool(content_changed),
        "attributes_changed": bool(attributes_changed),
        "attributes_diff": attributes_diff,
        "backup_file": None,
    }
    if module.check_mode:
        return result
    if content_changed:
        result["backup_file"] = write_file_atomic(module, path, content, file_args, backup=backup)
    elif attributes_changed:
        apply_attributes(module, file_args)
    return result
