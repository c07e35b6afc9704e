"""The trust bench's measuring helpers (issue 18 item 5; ``reports.benchmeasure``, ``scripts/bench_trust.py``): CPU
figures are the median of several samples with their spread, the bench's cache has a prefix of its own per database
and run, and "cold" deletes only the keys under that prefix — never another process's (real Redis at
127.0.0.1:6379, database 14, with a test prefix)."""

import importlib.util
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from reports import benchmeasure

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"


def _redis_answers():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(), reason="Redis is not running at 127.0.0.1:6379")


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    made = []
    yield client, made
    if made:
        client.delete(*made)  # only the keys this test wrote
    client.close()


def _bench_script():
    spec = importlib.util.spec_from_file_location("bench_trust_under_test", ROOT / "scripts" / "bench_trust.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_summary_gives_the_median_and_the_spread_of_the_samples():
    summary = benchmeasure.summarise([50, 41, 44, 120, 43, 45, 42])

    assert summary == {"n": 7, "median": 44.0, "min": 41.0, "max": 120.0, "q1": 42.5, "q3": 47.5}


def test_summary_of_an_even_count_and_of_one_sample():
    assert benchmeasure.summarise([10, 20, 30, 40])["median"] == 25.0
    assert benchmeasure.summarise([7.25]) == {"n": 1, "median": 7.2, "min": 7.2, "max": 7.2, "q1": 7.2, "q3": 7.2}
    with pytest.raises(ValueError):
        benchmeasure.summarise([])


def test_full_and_small_databases_get_different_prefixes_and_so_do_two_runs():
    full = benchmeasure.cache_prefix("safeguard_bench")
    small = benchmeasure.cache_prefix("safeguard_bench_small")
    assert full.startswith("bench:safeguard_bench:")
    assert small.startswith("bench:safeguard_bench_small:")
    assert benchmeasure.cache_prefix("safeguard_bench") != full  # a second run: another prefix
    assert benchmeasure.cache_prefix("safeguard_bench", "r1") == "bench:safeguard_bench:r1"


@needs_redis
def test_cold_reset_deletes_only_its_own_prefix(redis_client):
    client, made = redis_client
    run = uuid.uuid4().hex
    own = f"bench:test_b1:{run}"
    own_keys = [f"{own}:1:figures:{n}" for n in range(1200)]  # more than one SCAN/DEL batch
    others = [
        f"bench:test_b1:{run}x:1:figures",  # a prefix that merely starts the same
        f"bench:test_b1_small:{run}:1:figures",  # the small database's
        f"other-process-{run}",  # anyone else's (Celery's, another helper's)
    ]
    made.extend(own_keys + others)
    client.mset({key: b"1" for key in own_keys + others})

    deleted = benchmeasure.delete_prefix(client, own, batch=500)

    assert deleted == 1200
    assert client.exists(*own_keys) == 0
    assert client.exists(*others) == len(others)


@needs_redis
def test_a_prefix_with_glob_characters_matches_only_itself(redis_client):
    client, made = redis_client
    run = uuid.uuid4().hex
    own, neighbour = f"bench:[b1]*{run}", f"bench:b*{run}"
    made.extend([f"{own}:1:k", f"{neighbour}:1:k"])
    client.mset({f"{own}:1:k": b"1", f"{neighbour}:1:k": b"1"})

    assert benchmeasure.delete_prefix(client, own) == 1
    assert client.exists(f"{neighbour}:1:k") == 1


def test_an_empty_prefix_is_refused():
    with pytest.raises(ValueError):
        benchmeasure.delete_prefix(object(), "")


@needs_redis
def test_the_bench_worker_reset_empties_its_django_cache_prefix_only(settings, redis_client):
    from django.core.cache import caches

    client, made = redis_client
    run = uuid.uuid4().hex
    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    settings.CACHES = {
        "default": {**redis_cache, "KEY_PREFIX": f"bench:test_b1:{run}"},
        "neighbour": {**redis_cache, "KEY_PREFIX": f"bench:test_b1_small:{run}"},
    }
    made.extend([f"bench:test_b1:{run}:1:figures", f"bench:test_b1_small:{run}:1:figures"])
    caches["default"].set("figures", 1)
    caches["neighbour"].set("figures", 2)

    reset = _bench_script()._own_cache_reset()

    assert reset() == 1
    assert caches["default"].get("figures") is None
    assert caches["neighbour"].get("figures") == 2


@needs_redis
def test_the_bench_refuses_to_reset_a_redis_cache_without_a_prefix(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

    with pytest.raises(SystemExit):
        _bench_script()._own_cache_reset()


def test_bench_settings_give_every_cache_the_runs_prefix():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "bench:safeguard_bench_small:test",
        "DJANGO_SETTINGS_MODULE": "reports.bench_settings",
    }
    code = "from django.conf import settings; print(settings.CACHES['default'].get('KEY_PREFIX'))"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "bench:safeguard_bench_small:test"


def test_calibration_reports_cpu_seconds_and_pages_as_ratios_to_it():
    run = benchmeasure.calibrate()

    assert run["python_s"] > 0
    assert run["postgres_s"] is None
    assert run["total_s"] == run["python_s"]
    assert benchmeasure.ratio(45.0, 0.5) == 0.09
    assert benchmeasure.ratio(None, 0.5) is None
    assert benchmeasure.ratio(45.0, 0) is None
