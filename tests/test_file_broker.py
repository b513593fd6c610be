"""The embedded broker under the load of the demo: a message is received only once
it is written whole, and messages sent by several processes at once each arrive
once.

kombu's own filesystem transport fails the first: its reader takes a message file
its writer has created but not yet filled, and the worker dies of
"JSONDecodeError: Expecting value".
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from kombu import Connection
from kombu.utils.json import register_type

SENDERS = 3
MESSAGES_PER_SENDER = 200
# A body of some size keeps each write long enough to be caught half done.
PADDING = "x" * 20_000


def _connection(folder: Path) -> Connection:
    staging = folder / "staging"
    queue = folder / "queue"
    return Connection(
        transport="callcenter.file_broker:Transport",
        transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "staging_folder": str(staging),
            "control_folder": str(folder / "control"),
        },
    )


class HalfWritten:
    """A message header whose writing stops half way until the test lets it go on."""

    def __init__(self, writing, may_finish):
        self.writing, self.may_finish = writing, may_finish

    def encode(self) -> str:
        self.writing.set()
        assert self.may_finish.wait(timeout=60)
        return "written"


def _send_slowly(folder: str, writing, may_finish) -> None:
    register_type(HalfWritten, None, HalfWritten.encode)
    with _connection(Path(folder)) as connection:
        queue = connection.SimpleQueue("tasks")
        queue.put({"whole": True}, headers={"slow": HalfWritten(writing, may_finish)})
        queue.close()


def _folders(tmp_path: Path) -> None:
    for name in ("queue", "staging", "control"):
        (tmp_path / name).mkdir()


def test_a_message_being_written_is_not_received_until_it_is_whole(tmp_path):
    _folders(tmp_path)
    context = multiprocessing.get_context("spawn")
    writing, may_finish = context.Event(), context.Event()
    sender = context.Process(target=_send_slowly, args=(str(tmp_path), writing, may_finish))
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("tasks")
        sender.start()
        try:
            assert writing.wait(timeout=60)
            try:
                early = queue.get(timeout=0.5)
            except queue.Empty:
                early = None
            assert early is None
            may_finish.set()
            message = queue.get(timeout=30)
            message.ack()
        finally:
            may_finish.set()
            sender.join(timeout=30)
            queue.close()
    assert message.payload == {"whole": True} and message.headers == {"slow": "written"}
    assert sender.exitcode == 0


def _send(folder: str, sender: int) -> None:
    with _connection(Path(folder)) as connection:
        queue = connection.SimpleQueue("tasks")
        for number in range(MESSAGES_PER_SENDER):
            queue.put({"sender": sender, "number": number, "padding": PADDING})
        queue.close()


def test_messages_sent_by_several_processes_arrive_once_and_whole(tmp_path):
    _folders(tmp_path)
    context = multiprocessing.get_context("spawn")
    senders = [context.Process(target=_send, args=(str(tmp_path), n)) for n in range(SENDERS)]
    received = []
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("tasks")
        for sender in senders:
            sender.start()
        try:
            deadline = time.monotonic() + 120
            while len(received) < SENDERS * MESSAGES_PER_SENDER:
                assert time.monotonic() < deadline, f"{len(received)} messages arrived"
                try:
                    message = queue.get(timeout=0.05)
                except queue.Empty:
                    continue
                message.ack()
                received.append(message.payload)
        finally:
            for sender in senders:
                sender.join(timeout=30)
            queue.close()
    assert all(payload["padding"] == PADDING for payload in received)
    assert sorted((p["sender"], p["number"]) for p in received) == [
        (sender, number) for sender in range(SENDERS) for number in range(MESSAGES_PER_SENDER)
    ]
    assert all(sender.exitcode == 0 for sender in senders)
