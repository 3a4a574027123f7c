"""Keys and secrets on a full and on a read-only file system, for real (issue 13 #8).

A small tmpfs is filled up, and a directory is bind-mounted read-only; the modules run through ansible-playbook
against them. Each case must fail with a clear message (no traceback) and leave every file as it was (content,
mode, inode). The fixtures unmount what they mounted, also when a test fails.
"""
import errno
import os
import stat
import subprocess
import tempfile

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys
from tests.support.ansible_run import run_tasks

SEED = bytes(range(32))


def _mount(*args):
    subprocess.run(["mount"] + list(args), check=True, capture_output=True, text=True)


def _umount(path):
    if subprocess.run(["umount", path], capture_output=True, check=False).returncode != 0:
        subprocess.run(["umount", "-l", path], capture_output=True, check=False)


def _can_mount():
    return os.geteuid() == 0


needs_root = pytest.mark.skipif(not _can_mount(), reason="mounting a tmpfs and a read-only bind mount needs root")


@pytest.fixture
def small_tmpfs(workdir):
    path = tempfile.mkdtemp(prefix="tmpfs-", dir=workdir)
    _mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", path)
    try:
        yield path
    finally:
        _umount(path)


@pytest.fixture
def read_only_dir(workdir):
    """(source, read-only view of it): files are prepared in the source and the modules get the view."""
    source = tempfile.mkdtemp(prefix="rw-", dir=workdir)
    view = tempfile.mkdtemp(prefix="ro-", dir=workdir)
    _mount("--bind", source, view)
    try:
        _mount("-o", "remount,bind,ro", view)
        yield source, view
    finally:
        _umount(view)


def tree(directory):
    state = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        st = os.lstat(path)
        with open(path, "rb") as handle:
            state[name] = (handle.read(), stat.S_IMODE(st.st_mode), st.st_ino)
    return state


def write(path, content, mode=0o600):
    with open(path, "wb") as handle:
        handle.write(content)
    os.chmod(path, mode)


def fill(directory, leave_pages=0):
    """Fill the file system of ``directory`` with 4 KiB files, then free ``leave_pages`` of them."""
    fillers = []
    while True:
        name = os.path.join(directory, "filler%04d" % len(fillers))
        try:
            with open(name, "wb") as handle:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
            os.unlink(name)
            break
        fillers.append(name)
    for name in fillers[:leave_pages]:
        os.unlink(name)


def task(module, args):
    return {"name": module, "fedops.rocketchat." + module: args, "ignore_errors": True}


def check_failures(play, expected):
    assert play.rc == 0, play.output[-3000:]  # every task ignores its error; the play itself must not break
    assert len(play.records) == len(expected)
    for record, fragment in zip(play.records, expected):
        result = record["result"]
        assert record["status"] == "failed" or result.get("failed") is True, result
        assert fragment in result["msg"], result["msg"]
        assert "Nothing was changed" in result["msg"], result["msg"]
        assert "Traceback" not in result["msg"] and "module_stdout" not in result, result
    assert "Traceback" not in play.output


@needs_root
def test_full_file_system_changes_nothing(small_tmpfs):
    key = os.path.join(small_tmpfs, "hs.signing.key")
    write(key, _keys.SigningKey("a_one", SEED).to_line().encode("ascii"))
    secret = os.path.join(small_tmpfs, "macaroon")
    write(secret, b"old-secret-value-0123456789\n", 0o644)
    # one free page: enough for the new old-keys file, not for the new key file as well
    fill(small_tmpfs, leave_pages=1)
    before = tree(small_tmpfs)
    play = run_tasks([
        task("signing_key", {"path": key, "version": "a_two", "rotate": True}),
        task("secret", {"path": secret, "master_secret": "m" * 32, "label": "x", "backup": True}),
    ])
    assert tree(small_tmpfs) == before  # first: nothing half-applied (no old keys file naming the active key)
    check_failures(play, ["No space left on device", "No space left on device"])


@needs_root
def test_read_only_file_system_changes_nothing(read_only_dir):
    source, view = read_only_dir
    write(os.path.join(source, "k"), _keys.SigningKey("a_one", SEED).to_line().encode("ascii"))
    write(os.path.join(source, "s"), b"old-secret-value-0123456789\n", 0o644)
    before = tree(source)
    play = run_tasks([
        task("signing_key", {"path": os.path.join(view, "k"), "version": "a_two", "rotate": True, "backup": True}),
        task("signing_key", {"path": os.path.join(view, "new.key")}),
        task("secret", {"path": os.path.join(view, "s"), "master_secret": "m" * 32, "label": "x", "backup": True}),
        task("secret", {"path": os.path.join(view, "new")}),
    ])
    assert tree(source) == before
    check_failures(play, ["Read-only file system"] * 4)
