"""Offline stand-in for ansible-test's get-pip download.

ansible-test creates virtual environments for sanity tests and bootstraps pip in them by downloading
get-pip.py. With no route to that host, it uses a cached copy; this file is that copy. It installs the
bundled pip with ensurepip (no network) and then the pip version ansible-test asked for from the
package index configured on this machine. ensurepip runs as a subprocess because its in-process form
sets PIP_CONFIG_FILE=/dev/null, which would hide the system pip.conf and its CA bundle.
"""
import os
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
env = {k: v for k, v in os.environ.items() if k not in ("PIP_CONFIG_FILE", "ENSUREPIP_OPTIONS")}
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], env=env)
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + args, env=env)
