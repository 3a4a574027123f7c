"""Where things are: the repository, the venv, the importable collection tree, scratch output."""
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, ".build", "collections")
COLLECTION_LINK = os.path.join(COLLECTIONS, "ansible_collections", "fedops", "rocketchat")
OUTPUT = os.path.join(REPO, "tests", "output")
VENV_BIN = os.path.dirname(sys.executable)
PYTHON = sys.executable


def ensure_collection_link():
    """Make ansible_collections/fedops/rocketchat point at this checkout (the bootstrap does it too)."""
    if not os.path.islink(COLLECTION_LINK):
        os.makedirs(os.path.dirname(COLLECTION_LINK), exist_ok=True)
        os.symlink(REPO, COLLECTION_LINK)
    return COLLECTIONS


def venv_tool(name):
    """Path of a console script installed next to the running interpreter."""
    return os.path.join(VENV_BIN, name)


def scratch_dir(prefix):
    """A new directory ``<prefix>-XXXX`` under tests/output (kept after the run for the logs it holds)."""
    os.makedirs(OUTPUT, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix + "-", dir=OUTPUT)
