# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection to a running podman container through ``podman exec``, with pipelining (Molecule tests only)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: fedops_podman
short_description: Run tasks in a podman container with podman exec and pipelining
description:
  - Test-only connection used by the synapse role's Molecule scenarios. Each module runs in one C(podman exec -i)
    call with the module piped to the interpreter, instead of the four or five calls per task of a connection without
    pipelining. Files are transferred through C(podman exec -i ... cat).
author:
  - fedops.rocketchat contributors
options:
  remote_addr:
    description: Name or id of the container.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
  podman_executable:
    description: The podman command.
    type: str
    default: podman
    vars:
      - name: ansible_podman_executable
    env:
      - name: ANSIBLE_PODMAN_EXECUTABLE
  pipelining:
    description: Pipe modules to the interpreter instead of copying them first.
    type: boolean
    default: true
    vars:
      - name: ansible_pipelining
"""

import os
import shlex
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

display = Display()


class Connection(ConnectionBase):
    """podman exec connection with pipelining."""

    transport = "fedops_podman"
    has_pipelining = True
    has_tty = False

    def _podman(self, args, in_data=None):
        cmd = [self.get_option("podman_executable")] + args
        display.vvv("PODMAN %s" % " ".join(shlex.quote(to_text(a)) for a in cmd), host=self._container())
        try:
            proc = subprocess.Popen(  # pylint: disable=consider-using-with
                cmd,
                stdin=subprocess.PIPE if in_data is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise AnsibleConnectionFailure("cannot run %s: %s" % (cmd[0], exc)) from exc
        stdout, stderr = proc.communicate(in_data)
        return proc.returncode, stdout, stderr

    def _container(self):
        return self.get_option("remote_addr")

    def _connect(self):
        if not self._connected:
            self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=False):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        args = ["exec"] + (["-i"] if in_data is not None else []) + [self._container(), "/bin/sh", "-c", to_text(cmd)]
        return self._podman(args, in_data=in_data)

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        if not os.path.exists(to_bytes(in_path, errors="surrogate_or_strict")):
            raise AnsibleFileNotFound("file to transfer does not exist: %s" % in_path)
        with open(to_bytes(in_path, errors="surrogate_or_strict"), "rb") as handle:
            data = handle.read()
        rc, _dummy, stderr = self._podman(
            ["exec", "-i", self._container(), "/bin/sh", "-c", "cat > %s" % shlex.quote(out_path)], in_data=data)
        if rc != 0:
            raise AnsibleConnectionFailure("failed to write %s: %s" % (out_path, to_text(stderr)))

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        rc, stdout, stderr = self._podman(["exec", self._container(), "cat", in_path])
        if rc != 0:
            raise AnsibleConnectionFailure("failed to read %s: %s" % (in_path, to_text(stderr)))
        with open(to_bytes(out_path, errors="surrogate_or_strict"), "wb") as handle:
            handle.write(stdout)

    def close(self):
        self._connected = False
