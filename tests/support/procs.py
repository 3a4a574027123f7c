"""Start real servers as child processes on loopback, wait until they answer, stop them by PID."""
import os
import signal
import socket
import subprocess
import time


def free_port(host="127.0.0.1", udp_too=False):
    """A port that is free on `host` for TCP (and UDP when asked), as the kernel hands it out."""
    for _attempt in range(50):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind((host, 0))
        port = tcp.getsockname()[1]
        try:
            if udp_too:
                udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                finally:
                    udp.close()
            return port
        finally:
            tcp.close()
    raise RuntimeError("no free port on %s" % host)


def wait_until(predicate, timeout, what, interval=0.05, proc=None, log_path=None):
    """Poll `predicate` until it returns a true value; fail with the server's log on timeout or exit."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited with %s before it answered\n%s" % (what, proc.returncode, tail(log_path)))
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # pylint: disable=broad-except
            last_error = exc
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)
    raise TimeoutError("%s did not answer within %ss (last error: %r)\n%s" % (what, timeout, last_error, tail(log_path)))


def tail(path, size=4000):
    if not path or not os.path.exists(path):
        return ""
    with open(path, "rb") as handle:
        handle.seek(max(0, os.path.getsize(path) - size))
        return handle.read().decode("utf-8", "replace")


def tcp_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class ServerProcess:
    """A server child process in its own session, with its output in a log file."""

    name = "server"

    def __init__(self, workdir):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.log_path = os.path.join(workdir, "%s.log" % self.name)
        self.proc = None

    def spawn(self, cmd, env=None, cwd=None):
        log = open(self.log_path, "ab")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=cwd or self.workdir, env=env, start_new_session=True)
        log.close()
        return self.proc

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def wait_until(self, predicate, timeout=30, what=None):
        return wait_until(predicate, timeout, what or self.name, proc=self.proc, log_path=self.log_path)

    def log(self):
        return tail(self.log_path, 20000)

    def stop(self, timeout=10):
        """SIGTERM the process group, then SIGKILL if it does not exit in time."""
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
