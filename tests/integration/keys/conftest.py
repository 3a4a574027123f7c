"""Helpers for the key and secret integration tests: file snapshots and every text form of a secret."""
import base64
import os
import stat

import pytest


def snapshot(path):
    """Content, mtime (ns) and mode of a file, or None when it does not exist."""
    if not os.path.exists(path):
        return None
    st = os.stat(path)
    with open(path, "rb") as handle:
        return handle.read(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)


def secret_forms(raw):
    """Every way a secret could leak into output: as is, unpadded/padded base64, hex."""
    if isinstance(raw, str):
        return [raw]
    forms = [base64.b64encode(raw).decode().rstrip("="), base64.b64encode(raw).decode(), raw.hex()]
    return forms


def assert_no_secret(text, raw):
    for form in secret_forms(raw):
        assert form not in text, "secret material (%s...) found in output" % form[:6]


@pytest.fixture
def keydir(workdir):
    path = os.path.join(workdir, "keys")
    os.makedirs(path)
    return path
