"""Fixtures for the background-work tests: pointing the Celery app at a broker, reading what reached the in-memory
broker, a Redis server of the test's own, and the skip rule for the ``redis`` marker in this folder.

A ``redis`` test needs a Redis server at ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), as in
``safeguard/accounts/tests/conftest.py``; it is skipped with the reason when there is none, so a laptop without
Redis still runs everything else (CI has Redis and fails on any skip).
"""

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import reset_broker_pools
from safeguard.celery import app
from safeguard.directory.tests import factories

HERE = Path(__file__).resolve().parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Nothing listens on port 1 of the loopback interface: connecting is refused at once, as with a stopped Redis.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def redis_url():
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def _redis_unreachable_reason():
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as error:  # any failure to reach the server means "skip", with what went wrong
        return f"Redis is unreachable at {url} ({error.__class__.__name__}: {error})"
    return None


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if item.get_closest_marker("redis") and HERE in Path(item.path).parents]
    if mine:
        reason = _redis_unreachable_reason()
        if reason:
            for item in mine:
                item.add_marker(pytest.mark.skip(reason=reason))


@contextlib.contextmanager
def broker(url, **transport_options):
    """Point the Celery app at ``url`` for the duration (the root conftest points it at ``memory://``)."""
    previous = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options
    reset_broker_pools(app)
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous
        reset_broker_pools(app)


@pytest.fixture
def memory_queue():
    """What reaches the in-memory broker's default queue ("celery"), emptied first; call it to take the messages
    published since, as ``(task name, args)`` pairs, oldest first."""
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue)
        queue.clear()

        def take():
            taken = []
            while queue.qsize():
                message = queue.get(block=False)
                args, _kwargs, _embed = message.decode()
                taken.append((message.headers["task"], args))
                message.ack()
            return taken

        yield take
        queue.clear()
        queue.close()


def run_as_a_worker(messages):
    """Run each ``(task name, args)`` message as a worker would (in this thread), in order."""
    for name, args in messages:
        app.tasks[name].apply(args=args)


@pytest.fixture
def guardian(guardian_link):
    """The persona parent's guardian record, before they have an account."""
    return guardian_link.guardian


@pytest.fixture
def second_guardian(pupil):
    return factories.PupilGuardianFactory(pupil=pupil, has_parental_responsibility=True, contact_order=2).guardian


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A ``redis-server`` of the test's own on a free port (never the shared one on 6379): started, stopped and
    started again on the same port, to play a Redis outage. Nothing is saved to disk."""

    def __init__(self, port=None):
        self.binary = shutil.which("redis-server")
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self, timeout=10):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def redis_server():
    """A private ``redis-server`` (stopped whatever happens); skipped when the binary is missing."""
    server = RedisServer()
    if server.binary is None:
        pytest.skip("the redis-server binary is not installed (CI installs it)")
    try:
        yield server
    finally:
        server.stop()


def wait_for(condition, timeout=20):
    """Poll ``condition()`` until it is true or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value
