"""End to end on RabbitMQ: the flows that go through the broker, with
`CELERY_BROKER_URL=amqp://…` for the test process, the worker and its beat.

A placed call bridged and redirected, a scheduled redirect fired by beat, and a
paced campaign. With a broker other than Redis the dialer's token bucket and
send window are rows in the database (`campaigns.pacing`), so the campaign here
is paced by the database, as on every RabbitMQ deployment.

RabbitMQ is `RABBITMQ_URL` (default: the local server with guest/guest). The
tests use queues of their own on it, deleted at the end, so they meet no other
run on the same server. Without a reachable RabbitMQ they are skipped, unless
`CI_REQUIRE_RABBITMQ=1` (set by `.ci/run`), which makes them fail instead.
"""

import os
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest

from campaigns.models import PacingBucket
from campaigns.services import lifecycle
from campaigns.services.sending import pacing_key
from tests.campaigns.factories import campaign, with_contacts
from tests.campaigns.test_dialer_e2e import all_done, creates_per_number
from tests.e2e import test_calls_e2e as calls_flows
from tests.support.brokers import Broker, delete, reachable

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
# voicesim notes a create's time when its loop takes the request, a few
# milliseconds after it arrived; the spacing is held at Twilio's door.
CLOCK_JITTER = 0.02


@pytest.fixture
def broker() -> Iterator[Broker]:
    """RabbitMQ, with a default queue (and so a dialer queue) no one else uses."""
    if not reachable(RABBITMQ_URL):
        message = f"RabbitMQ is not reachable at {RABBITMQ_URL}"
        if os.environ.get("CI_REQUIRE_RABBITMQ") == "1":
            pytest.fail(message)
        pytest.skip(message)
    broker = Broker(url=RABBITMQ_URL, queue=f"e2e-amqp-{uuid.uuid4().hex[:12]}")
    yield broker
    delete(RABBITMQ_URL, [broker.queue, f"{broker.queue}.dialer"])


def test_a_call_is_dialed_bridged_redirected_and_hung_up(stack, broker):
    from callcenter.celery import app

    with app.connection_for_write() as connection:
        assert connection.transport_cls == "amqp"
    assert app.conf.task_default_queue == broker.queue
    calls_flows.test_a_call_is_dialed_answered_bridged_redirected_and_hung_up(stack)


def test_a_scheduled_redirect_fires_at_its_time(stack):
    calls_flows.test_a_scheduled_redirect_fires_at_its_time(stack)


def test_a_campaign_is_paced_by_the_database_bucket(stack):
    """Two calls a second: no three creates reach voicesim within one second."""
    numbers = [f"+155500076{n:02d}" for n in range(6)]  # humans who hang up soon
    target = campaign(name="On RabbitMQ", calls_per_second=2)
    with_contacts(target, *(f"{number},Ann" for number in numbers))

    lifecycle.start(target.pk)
    all_done(target)

    assert creates_per_number(stack, numbers) == Counter(dict.fromkeys(numbers, 1))
    created = sorted(
        call["created_sim"] / stack.speed for call in stack.calls() if call["to"] in numbers
    )
    spans = [later - earlier for earlier, later in zip(created, created[2:], strict=False)]
    assert min(spans) >= 1 - CLOCK_JITTER, spans
    key = pacing_key(target.pk)
    # The bucket and the send window are rows of the database, not Redis keys.
    assert set(PacingBucket.objects.values_list("key", flat=True)) == {key, f"window:{key}"}


def test_two_workers_of_one_name_on_one_server_both_start(celery_worker_factory):
    """Two runs of the suite side by side on one RabbitMQ each start their "worker":
    the remote-control queue a worker declares is exclusive and named after its node."""
    first = celery_worker_factory("worker")
    second = celery_worker_factory("worker")

    assert (first.poll(), second.poll()) == (None, None)
