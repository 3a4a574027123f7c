# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The DNS exception classes: the message for the user, details for the result, and the family tree."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _errors


def test_message_and_details():
    exc = _errors.DNSConcurrentChangeError("the zone changed; run again", zone="example.com.", serial=7)
    assert exc.msg == str(exc) == "the zone changed; run again"
    assert exc.details == {"zone": "example.com.", "serial": 7}
    assert _errors.DNSError("plain").details == {}


@pytest.mark.parametrize("cls", [_errors.DNSAuthError, _errors.DNSNetworkError, _errors.DNSConcurrentChangeError])
def test_provider_faults_are_provider_errors(cls):
    assert issubclass(cls, _errors.DNSProviderError)
    assert issubclass(cls, _errors.DNSError)


@pytest.mark.parametrize("cls", [_errors.DNSInputError, _errors.DNSTimeoutError])
def test_input_and_timeout_errors_are_not_provider_errors(cls):
    """Input errors happen before anything is sent; a timeout comes after the change was applied."""
    assert issubclass(cls, _errors.DNSError)
    assert not issubclass(cls, _errors.DNSProviderError)
