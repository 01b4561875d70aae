"""A real Saleor 3.23 with the plugin, for scripts that talk to it over HTTP.

Used by ``e2e_http.py`` and ``demo.py``: Saleor's own settings (``saleor.settings``)
on a database of the script's own, Saleor's ASGI app under uvicorn on 127.0.0.1,
and ``django-admin`` for setup steps a merchant would do in the Dashboard.

Saleor's own output (uvicorn, Saleor's structured JSON logging, Celery's task logs,
``django-admin``'s stderr, PostgreSQL's notices) goes to the terminal, or, inside
``with logging_to(path):``, to that file, so that a script's terminal shows its story only.
"""

import base64
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SERVER = os.environ.get("DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
PSQL = ["-h", "127.0.0.1", "-U", "postgres"]
LOG = None  # the file Saleor's own output goes to (logging_to); None: the terminal


@contextlib.contextmanager
def logging_to(path: str):
    """Within the block, Saleor's own output goes to ``path`` (truncated), not the terminal."""
    global LOG
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", buffering=1) as LOG:  # line-buffered: ours and theirs in order
        try:
            yield LOG
        finally:
            LOG = None


def global_id(type_name: str, pk) -> str:
    """Saleor's Relay global id, as its API expects object ids."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def step(text: str) -> None:
    print(f"\n==> {text}", flush=True)
    if LOG:  # the same heading in the log, to find each step's output there
        LOG.write(f"\n==> {text}\n")


def saleor_env(database: str, **extra) -> dict:
    """Environment for Saleor's production settings on ``database``."""
    key_file = os.path.join(tempfile.mkdtemp(), "jwt.pem")
    subprocess.run(["openssl", "genrsa", "-out", key_file, "2048"], check=True, capture_output=True)
    with open(key_file) as key:
        private_key = key.read()
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="saleor.settings",
        DATABASE_URL=f"{SERVER}/{database}",
        SECRET_KEY="local-not-secret",
        RSA_PRIVATE_KEY=private_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        ALLOWED_CLIENT_HOSTS="127.0.0.1,localhost",
        DEBUG="False",
        PYTHONUNBUFFERED="1",
        CELERY_BROKER_URL="",  # Celery tasks run eagerly, inside the server process
        SEND_USAGE_TELEMETRY="False",  # else Saleor posts usage data to saleor.io
        **extra,
    )


def admin(env: dict, *args: str, capture: bool = False) -> str:
    """``django-admin <args>`` with Saleor's settings; its stdout when ``capture``.

    Its stderr (Saleor's logging) goes to the log when there is one; without a log it
    is captured (and dropped) with ``capture``, shown otherwise."""
    if LOG:
        stdout, stderr = (subprocess.PIPE if capture else LOG), LOG
    else:
        stdout = stderr = subprocess.PIPE if capture else None
    done = subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env,
        check=True,
        stdout=stdout,
        stderr=stderr,
        text=True,
    )
    return done.stdout if capture else ""


def database_exists(name: str) -> bool:
    out = subprocess.run(
        ["psql", *PSQL, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip() == "1"


def drop_database(name: str) -> None:
    subprocess.run(["dropdb", "--if-exists", *PSQL, name], check=True, stderr=LOG)


def create_database(name: str, template: str | None = None) -> None:
    args = ["createdb", *PSQL, name]
    if template:
        args[1:1] = ["-T", template]
    subprocess.run(args, check=True, stderr=LOG)


def migrate(env: dict) -> float:
    """Apply every migration (Saleor's ~1,400 and the plugin's); seconds taken."""
    started = time.monotonic()
    admin(env, "migrate", "-v", "0")
    return time.monotonic() - started


def post(url: str, payload: dict, token: str | None = None) -> dict:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


class Saleor:
    """Saleor's ASGI app under uvicorn; a context manager."""

    def __init__(self, env: dict, port: int):
        self.env = env
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "saleor.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env=self.env,
            stdout=LOG,
            stderr=LOG,
        )
        for _ in range(240):
            try:
                post(f"{self.base}/graphql/", {"query": "{ shop { name } }"})
                return self
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None:
                    break
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError("Saleor did not start" + (f" (see {LOG.name})" if LOG else ""))

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def graphql(self, query: str, variables: dict | None = None, token=None) -> dict:
        """Saleor's own API; raises on GraphQL errors or mutation errors."""
        return _checked(
            post(f"{self.base}/graphql/", {"query": query, "variables": variables or {}}, token)
        )

    def rewards(self, query: str, variables: dict | None = None, token=None) -> dict:
        """The plugin's endpoint; raises on errors."""
        return _checked(
            post(
                f"{self.base}/plugins/global/saleor_rewards/graphql/",
                {"query": query, "variables": variables or {}},
                token,
            )
        )


def _checked(answer: dict) -> dict:
    if answer.get("errors"):
        raise RuntimeError(json.dumps(answer["errors"], indent=2))
    data = answer["data"]
    for value in data.values():
        if isinstance(value, dict) and value.get("errors"):
            raise RuntimeError(json.dumps(value["errors"], indent=2))
    return data
