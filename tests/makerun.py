"""`make run` as a newcomer starts it, driven from a test or a benchmark.

`MakeRun` starts `make run PORT=<free port>` in a checkout with none of the machine's
DATABASE_URL / REDIS_URL / CELERY_BROKER_URL, so it takes the embedded PostgreSQL and the
filesystem broker, with its files in a folder of its own (GOALPOST_VAR_DIR). It records
every line the stack prints, with the time it was printed, and stops it the way Ctrl-C
does: SIGINT to make's process group.
"""

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
# Variables that would point the stack at the machine's services or the test settings.
NOT_INHERITED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SETTINGS_MODULE",
    "GOALPOST_PUBLIC_URL",
    "EMAIL_URL",
    "PYTEST_XDIST_WORKER",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MakeRun:
    def __init__(self, *, checkout: Path = ROOT, var_dir: Path, port: int | None = None):
        self.checkout = checkout
        self.var_dir = var_dir
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.lines: list[tuple[float, str]] = []
        self.started_at = 0.0
        self.process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        env["GOALPOST_VAR_DIR"] = str(self.var_dir)
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - make with our own target
            ["make", "--no-print-directory", "run", f"PORT={self.port}"],  # noqa: S607
            cwd=self.checkout,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a process group of its own, as a terminal gives it
            text=True,
            errors="replace",
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._lock:
                self.lines.append((time.monotonic() - self.started_at, line.rstrip("\n")))

    def output(self) -> str:
        with self._lock:
            return "\n".join(line for _, line in self.lines)

    def wait_for_output(self, pattern: str, *, timeout: float) -> re.Match:
        """The first match of `pattern` in what the stack printed, waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output())
            if match:
                return match
            self._fail_if_exited()
            time.sleep(0.5)
        raise TimeoutError(f"{pattern!r} not printed in {timeout} s:\n{self.tail()}")

    def wait_until_serving(self, *, path: str = "/accounts/login/", timeout: float) -> float:
        """Seconds from start until `path` answered 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._fail_if_exited()
            try:
                if requests.get(self.base_url + path, timeout=5).status_code == 200:
                    return time.monotonic() - self.started_at
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{path} did not answer 200 within {timeout} s:\n{self.tail()}")

    def stop(self, *, timeout: float = 30) -> float:
        """Ctrl-C; seconds until make (and with it the whole stack) exited."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        began = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return time.monotonic() - began

    def tail(self, lines: int = 60) -> str:
        with self._lock:
            return "\n".join(line for _, line in self.lines[-lines:])

    def _fail_if_exited(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"make run exited with {self.process.returncode}:\n{self.tail()}")
