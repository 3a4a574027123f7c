"""Make `ansible_collections.fedops.rocketchat` importable in every test, as ansible-test does."""
import os

import pytest

from tests.support.paths import OUTPUT, ensure_collection_link


def _install_collection_finder():
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    finder = _AnsibleCollectionFinder(paths=[ensure_collection_link()], scan_sys_paths=False)
    finder._install()  # pylint: disable=protected-access


_install_collection_finder()


@pytest.fixture(scope="session")
def output_dir():
    os.makedirs(OUTPUT, exist_ok=True)
    return OUTPUT
