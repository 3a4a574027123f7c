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
import inspect
import os
import secrets
import stat
import tempfile
import time

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


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _why(exc):
    return exc.strerror or str(exc)


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _atomic_move_kwargs(module):
    """``keep_dest_attrs=False`` where ``AnsibleModule.atomic_move`` knows it (ansible-core 2.17+); feature-detected."""
    try:
        parameters = inspect.signature(module.atomic_move).parameters
    except (TypeError, ValueError):  # pragma: no cover - signature of a plain method is always available
        return {}
    return {"keep_dest_attrs": False} if "keep_dest_attrs" in parameters else {}


def _write_all(fd, content):
    view = memoryview(content)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _unique_name(directory, base, suffix):
    for dummy in range(100):
        name = os.path.join(directory, ".%s.%s%s" % (base, secrets.token_hex(4), suffix))
        if not os.path.lexists(name):
            return name
    raise FileAccessError("cannot find a free temporary name in %s" % directory)  # pragma: no cover


def backup_mode(file_args, live_mode):
    """Mode of a backup: 0600, or 0640 when a group is given, and never wider than the live file's ``live_mode``."""
    wanted = 0o640 if file_args.get("group") is not None else DEFAULT_SECRET_MODE
    return wanted & live_mode


def _write_backup(path, content, live_stat, mode):
    """Write ``content`` (what ``path`` holds now) to a new backup file next to it; returns its name.

    Same name scheme as ``AnsibleModule.backup_local``; created 0600 and exclusive, then given the owner and group
    of the new live file and ``mode``. A partial backup is removed again when writing it fails.
    """
    stamp = time.strftime("%Y-%m-%d@%H:%M:%S")
    for attempt in range(100):
        name = "%s.%s.%s%s~" % (path, os.getpid(), stamp, ".%d" % attempt if attempt else "")
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DEFAULT_SECRET_MODE)
            break
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    else:  # pragma: no cover - a hundred backups of one file in one second
        raise OSError(errno.EEXIST, "too many backups of %s in one second" % path)
    try:
        try:
            _write_all(fd, content)
            os.fchmod(fd, mode)
            if (live_stat.st_uid, live_stat.st_gid) != (os.geteuid(), os.getegid()):
                os.fchown(fd, live_stat.st_uid, live_stat.st_gid)
        finally:
            os.close(fd)
    except OSError:
        _unlink_quietly(name)
        raise
    return name


class FileChange:
    """One file of a commit: ``path`` gets ``content`` (bytes) with ``file_args``; ``backup`` keeps the old file.

    ``current`` is the ``FileState`` read before planning (the backup holds its content).
    """

    __slots__ = ("path", "content", "file_args", "backup", "current", "tmp_path", "rollback_path", "backup_file",
                 "replaced")

    def __init__(self, path, content, file_args, backup=False, current=None):
        self.path = path
        self.content = content
        self.file_args = dict(file_args, path=path)
        self.backup = backup
        self.current = current if current is not None else read_file(path)
        self.tmp_path = None
        self.rollback_path = None
        self.backup_file = None
        self.replaced = False


def _prepare(module, change):
    directory = os.path.dirname(os.path.abspath(change.path))
    try:
        fd, change.tmp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(change.path), suffix=".tmp",
                                               dir=directory)
    except OSError as exc:
        raise FileAccessError("cannot write %s: %s" % (change.path, _why(exc))) from None
    module.add_cleanup_file(change.tmp_path)
    try:
        try:
            _write_all(fd, change.content)
        finally:
            os.close(fd)
    except OSError as exc:
        raise FileAccessError("cannot write %s: %s" % (change.path, _why(exc))) from None
    # The final owner/group/mode/attributes go on the temporary file, so the renamed file has them from the start.
    module.set_fs_attributes_if_different(dict(change.file_args, path=change.tmp_path), False)


def _make_backup(change):
    try:
        live = os.stat(change.tmp_path)
        change.backup_file = _write_backup(change.path, change.current.content, live,
                                           backup_mode(change.file_args, stat.S_IMODE(live.st_mode)))
    except OSError as exc:
        raise FileAccessError("cannot back up %s: %s" % (change.path, _why(exc))) from None


def _keep_for_rollback(change):
    """Hard link the file about to be replaced under a hidden name, so a later failure can put it back."""
    directory = os.path.dirname(os.path.abspath(change.path))
    name = _unique_name(directory, os.path.basename(change.path), ".rollback")
    try:
        os.link(change.path, name)
    except OSError as exc:
        raise FileAccessError("cannot write %s: %s" % (change.path, _why(exc))) from None
    change.rollback_path = name


def _replace(module, change, last):
    try:
        os.rename(change.tmp_path, change.path)
        return
    except OSError as exc:
        failure = exc
    # A file bind-mounted into a container cannot be renamed over; with unsafe_writes, and only for the last file of
    # a commit (nothing after it can fail), fall back to Ansible's in-place copy.
    if last and failure.errno in (errno.EBUSY, errno.EXDEV) and module.params.get("unsafe_writes"):
        try:
            module.atomic_move(change.tmp_path, change.path, unsafe_writes=True, **_atomic_move_kwargs(module))
        except Exception as exc:  # atomic_move raises a bare Exception on ansible-core 2.17+
            raise FileAccessError("cannot replace %s: %s" % (change.path, exc)) from None
        module.set_fs_attributes_if_different(change.file_args, False)
        return
    raise FileAccessError("cannot replace %s: %s" % (change.path, _why(failure))) from None


def _roll_back(changes):
    """Undo the renames already done, newest first. Returns messages for what could not be undone."""
    problems = []
    for change in reversed(changes):
        if not change.replaced:
            continue
        try:
            if change.rollback_path is not None:
                os.rename(change.rollback_path, change.path)
                change.rollback_path = None
            else:
                os.unlink(change.path)
        except OSError as exc:
            problems.append("could not restore %s (%s)%s" % (
                change.path, _why(exc),
                "; the previous file is %s" % change.rollback_path if change.rollback_path else ""))
    return problems


def commit_files(module, changes):
    """Replace several files so that a failure at any step leaves all of them as they were.

    1. every new content goes to a temporary file in the destination directory (created 0600, written, fsynced,
       given its final owner/group/mode); 2. backups are written (0600, 0640 with a group); 3. each file except the
       last is hard-linked under a hidden ``.rollback`` name; 4. the temporaries are renamed over the files in the
       given order; 5. the rollback links and temporaries are removed and the directories fsynced.
    A failure in 1-3 changes nothing (temporaries and backups are removed); a failure in 4 renames the rollback
    links back, which needs no free space. Put the file whose early replacement is safe to recover from first.
    Returns nothing; each change's ``backup_file`` is set. Raises ``FileAccessError``. Not in check mode.
    """
    if module.check_mode:
        raise RuntimeError("commit_files() called in check mode")
    for change in changes:
        check_parent_dir(change.path)
    try:
        for change in changes:
            _prepare(module, change)
        for change in changes:
            if change.backup and change.current.exists:
                _make_backup(change)
        for change in changes[:-1]:
            if change.current.exists:
                _keep_for_rollback(change)
        try:
            for index, change in enumerate(changes):
                _replace(module, change, last=index == len(changes) - 1)
                change.replaced = True
        except FileAccessError as exc:
            problems = _roll_back(changes)
            if problems:
                raise FileAccessError("%s; and %s" % (exc, "; ".join(problems))) from None
            raise
    except FileAccessError as exc:
        for change in changes:
            if change.backup_file:
                _unlink_quietly(change.backup_file)
                change.backup_file = None
        if "could not restore" in str(exc):
            raise
        raise FileAccessError("%s. Nothing was changed" % exc) from None
    finally:
        for change in changes:
            for name in (change.tmp_path, change.rollback_path):
                if name is not None and os.path.lexists(name):
                    _unlink_quietly(name)
    for directory in sorted(set(os.path.dirname(os.path.abspath(change.path)) for change in changes)):
        _fsync_dir(directory)


def write_file_atomic(module, path, content, file_args, backup=False, current=None):
    """Replace ``path`` with ``content`` atomically (see ``commit_files``); return the backup file name or ``None``.

    While a new file is being created it is 0600, so it is never readable by others, not even for a moment.
    Must not be called in check mode.
    """
    change = FileChange(path, content, file_args, backup=backup, current=current)
    commit_files(module, [change])
    return change.backup_file


def _plan_file(module, path, content, file_args, current):
    if current is None:
        current = read_file(path)
    content_changed = content is not None and content != current.content
    if content is None and not current.exists:
        raise FileAccessError("%s does not exist and there is no content to write" % path)
    if content_changed:
        check_parent_dir(path)
    attributes_changed, attributes_diff = plan_attributes(module, dict(file_args, path=path))
    return current, {
        "changed": bool(content_changed or attributes_changed),
        "content_changed": bool(content_changed),
        "attributes_changed": bool(attributes_changed),
        "attributes_diff": attributes_diff,
        "backup_file": None,
    }


def ensure_files(module, files):
    """Make several files hold their content with their attributes, all or nothing.

    ``files`` is a list of dicts with ``path``, ``content`` (bytes, or ``None`` to keep the content), ``file_args``
    and optionally ``backup`` and ``current`` (a ``FileState``). The content changes are committed together by
    ``commit_files`` in the given order; attribute-only corrections follow. Honours check mode. Returns one result
    dict per file, as ``ensure_file`` does.
    """
    results, changes = [], []
    for item in files:
        current, result = _plan_file(module, item["path"], item["content"], item["file_args"], item.get("current"))
        results.append(result)
        if result["content_changed"]:
            changes.append((result, FileChange(item["path"], item["content"], item["file_args"],
                                               backup=item.get("backup", False), current=current)))
    if module.check_mode:
        return results
    if changes:
        commit_files(module, [change for dummy, change in changes])
        for result, change in changes:
            result["backup_file"] = change.backup_file
    for item, result in zip(files, results):
        if result["attributes_changed"] and not result["content_changed"]:
            apply_attributes(module, dict(item["file_args"], path=item["path"]))
    return results


def ensure_file(module, path, content, file_args, backup=False, current=None):
    """Make ``path`` hold ``content`` (bytes, or ``None`` to keep the content) with ``file_args`` attributes.

    Honours check mode. Returns a dict: ``changed``, ``content_changed``, ``attributes_changed``,
    ``backup_file`` (when a backup was made) and ``attributes_diff`` (before/after of owner/group/mode only).
    """
    return ensure_files(module, [{"path": path, "content": content, "file_args": file_args, "backup": backup,
                                  "current": current}])[0]


def publish_text_files(module, files, default_mode=0o644):
    """Write text files that hold no secret (reports, metrics) atomically, all or nothing, with a diff each.

    ``files`` is a list of ``(path, text)``; the mode defaults to ``default_mode`` unless the task gives one.
    Honours check mode. Returns ``(changed, diffs)``: ``diffs`` maps each path to its before/after text diff.
    Raises :class:`FileAccessError`.
    """
    befores = dict((path, read_file(path).content) for path, _text in files)
    results = ensure_files(module, [{"path": path, "content": text.encode("utf-8"), "current": None,
                                     "file_args": secret_file_args(module, path, default_mode=default_mode)}
                                    for path, text in files])
    diffs = dict((path, {"before": befores[path].decode("utf-8", "replace") if befores[path] else "", "after": text,
                         "before_header": path, "after_header": path}) for path, text in files)
    return any(result["changed"] for result in results), diffs
