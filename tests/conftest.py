"""Make `ansible_collections.fedops.rocketchat` importable in every test, as ansible-test does."""
import os

import pytest

# In-process module runs report warnings through the controller's Display (stderr) once it is loaded, as under
# pytest-ansible; load it here so the unit tests see the same on every ansible-core, with or without that plugin.
import ansible.utils.display  # noqa: F401  pylint: disable=unused-import

from tests.support.paths import OUTPUT, ensure_collection_link

# pytest-ansible (--ansible-unit-inject-only, set in pytest.ini) installs a collection finder from this variable
# after conftest files load; point it at the same tree so both finders agree.
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", ensure_collection_link())


def _install_collection_finder():
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    finder = _AnsibleCollectionFinder(paths=[ensure_collection_link()], scan_sys_paths=False)
    finder._install()  # pylint: disable=protected-access


_install_collection_finder()


@pytest.fixture(scope="session")
def output_dir():
    os.makedirs(OUTPUT, exist_ok=True)
    return OUTPUT


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # Without inject-only, pytest-ansible writes a symlinked collections/ tree into the repository root.
    if hasattr(config.option, "ansible_unit_inject_only"):
        config.option.ansible_unit_inject_only = True
