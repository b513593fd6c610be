"""Shared fixtures. End-to-end tests get the whole product running for real:
voicesim as its own process, the back office on a live server, and a Celery
worker process (with beat) on the configured broker and the test database.

The worker is the test's own, started on empty queues and stopped before the
test database is emptied: a worker of the session would tick, dial and
settle in the database of every later test, end-to-end or not.
"""

import contextlib
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings

from callcenter.processes import (
    URL_PATTERN,
    VENV_BIN,
    celery_worker_command,
    child_env,
    start_process,
    stop_process,
    wait_for_line,
    worker_node,
)
from tests.support.brokers import Broker, purge, tasks_sent_through
from tests.support.database import test_database_url
from tests.support.voicesim import VoiceSim
from tests.voicesim.webhook_server import WebhookServer

VOICESIM_SPEED = 10
# End-to-end workers consume a queue of their own: tasks that tests without a
# running product enqueue (on the default queue) never reach them.
E2E_QUEUE = "e2e"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytest_plugins = ["tests.support.browser"]


def pytest_collection_modifyitems(config, items):
    if django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def fresh_pacing_state() -> None:
    """No send window or token bucket of an earlier test run counts in this one.

    Their Redis keys are named after campaign ids, which start at 1 again in
    each new test database: a campaign would otherwise wait for the slots and
    creates of an earlier run's campaign with the same id.
    """
    broker_url = django_settings.CELERY_BROKER_URL
    if not broker_url.startswith(("redis://", "rediss://")):
        return  # the database's buckets start empty with the test database
    client = redis.Redis.from_url(broker_url)
    try:
        for pattern in ("campaigns:pacing:*", "campaigns:sending:*"):
            for key in client.scan_iter(match=pattern):
                client.delete(key)
    finally:
        client.close()


FAILED_KEY = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test itself failed, for fixtures that keep evidence then."""
    report = yield
    if report.when == "call":
        item.stash[FAILED_KEY] = report.failed
    return report


def call_failed(item) -> bool:
    return item.stash.get(FAILED_KEY, False)


@pytest.fixture(scope="session")
def logs_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="callcenter-e2e-") as path:
        yield Path(path)


@contextlib.contextmanager
def running_voicesim(log: Path, port: int = 0) -> Iterator[VoiceSim]:
    """voicesim as its own process on `port` (0: a free one), stopped on leaving."""
    process = start_process(
        [
            str(VENV_BIN / "python"),
            "-m",
            "voicesim",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--speed",
            str(VOICESIM_SPEED),
            "--account-sid",
            django_settings.TWILIO_ACCOUNT_SID,
            "--auth-token",
            django_settings.TWILIO_AUTH_TOKEN,
        ],
        child_env(),
        log,
    )
    try:
        base_url = wait_for_line(log, URL_PATTERN, process).group(0)
        yield VoiceSim(
            base_url=base_url,
            account_sid=django_settings.TWILIO_ACCOUNT_SID,
            auth_token=django_settings.TWILIO_AUTH_TOKEN,
            speed=VOICESIM_SPEED,
        )
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def voicesim(logs_dir: Path) -> Iterator[VoiceSim]:
    with running_voicesim(logs_dir / "voicesim.log") as sim:
        yield sim


@pytest.fixture(scope="session")
def stack_settings(live_server, voicesim: VoiceSim) -> dict[str, str]:
    """The settings every process of the running product shares."""
    return {
        "PUBLIC_BASE_URL": live_server.url,
        "TWILIO_API_BASE_URL": voicesim.base_url,
        "TWILIO_ACCOUNT_SID": voicesim.account_sid,
        "TWILIO_AUTH_TOKEN": voicesim.auth_token,
        "CELERY_TASK_DEFAULT_QUEUE": E2E_QUEUE,
    }


@pytest.fixture(scope="session")
def product_env(django_db_setup, django_db_blocker, stack_settings) -> dict[str, str]:
    """The environment of a product process: the test database and the stack's settings."""
    with django_db_blocker.unblock():
        database_url = test_database_url()
    return child_env(DATABASE_URL=database_url, DATABASE_CONN_MAX_AGE="0", **stack_settings)


@pytest.fixture
def celery_worker_factory(request, transactional_db, product_env, broker, logs_dir):
    """Start `celery worker` processes on the test database; stopped when the test ends,
    so no worker (or its beat) runs the tasks and ticks of a later test."""
    processes = []
    logs = []
    nodes: dict[str, str] = {}

    def start(name: str = "worker", *, beat: bool = False, concurrency: int = 2, **env: str):
        """`env`: settings of this worker's own (e.g. another TWILIO_API_BASE_URL).
        The worker's node name, for a remote-control command, is `start.nodes[name]`."""
        log = logs_dir / f"{name}.log"
        nodes[name] = worker_node(name)
        args = celery_worker_command(nodes[name], concurrency=concurrency)
        if beat:
            args += ["--beat", "--schedule", str(logs_dir / f"{name}-beat-schedule")]
        process = start_process(args, {**product_env, **broker.worker_env(), **env}, log)
        processes.append(process)
        logs.append(log)
        wait_for_line(log, re.compile(r"ready\."), process, timeout=30)
        return process

    start.nodes = nodes
    yield start
    for process in processes:
        stop_process(process)
    if call_failed(request.node):
        # The log dies with its tempdir: a failed test reports what the worker ran.
        for log in logs:
            request.node.add_report_section("teardown", log.name, log.read_text(errors="replace"))


@pytest.fixture
def broker() -> Broker:
    """The broker of the test's product processes: the configured one, with the
    end-to-end queue. A module overrides it to run its flows on another broker."""
    return Broker(url=django_settings.CELERY_BROKER_URL, queue=E2E_QUEUE)


@pytest.fixture
def e2e_queues(broker: Broker) -> Iterator[None]:
    """Tasks go to the end-to-end queues, empty at the start and at the end of the
    test: no message of one test reaches the worker of another."""
    from callcenter.celery import app
    from campaigns.tasks import dialer_queue

    with tasks_sent_through(app, broker):
        queues = [broker.queue, dialer_queue(app)]
        purge(app, queues)
        try:
            yield
        finally:
            purge(app, queues)  # what the stopped workers left unacknowledged


@pytest.fixture
def celery_worker(e2e_queues, celery_worker_factory):
    """The stack's worker, with beat."""
    return celery_worker_factory("e2e", beat=True)


@pytest.fixture
def stack_without_worker(
    transactional_db,
    settings,
    stack_settings,
    e2e_queues,
    celery_worker_factory,
    voicesim,
    live_server,
):
    """The back office and voicesim running; the tasks they hand over wait on the
    queue until the test starts a worker (`celery_worker_factory`).

    At the end nothing the test started goes on into the next one: campaigns
    still dialing are canceled and calls still live at voicesim are hung up,
    then the worker stops (after the tasks it is running) and only then is the
    test database emptied.
    """
    for name, value in stack_settings.items():
        setattr(settings, name, value)
    try:
        yield voicesim.from_now_on()
    finally:
        cancel_campaigns()
        voicesim.hang_up_all()


@pytest.fixture
def stack(stack_without_worker, celery_worker):
    """The whole product running: back office, worker with beat, and voicesim."""
    return stack_without_worker


def cancel_campaigns() -> None:
    """Campaigns still going stop dialing: their loops end at their next claim."""
    from calls.exceptions import RuleViolation
    from campaigns.models import Campaign
    from campaigns.services import lifecycle

    cancelable, _ = lifecycle.TRANSITIONS["cancel"]
    going = Campaign.objects.filter(state__in=cancelable)
    for campaign_id in going.values_list("pk", flat=True):
        # The worker's tick may complete it first: then it has stopped already.
        with contextlib.suppress(RuleViolation):
            lifecycle.cancel(campaign_id)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def user_app() -> Iterator[WebhookServer]:
    """A customer's own server: serves the TwiML each test routes, checks Twilio's signature."""
    server = WebhookServer(django_settings.TWILIO_AUTH_TOKEN)
    yield server
    server.stop()
