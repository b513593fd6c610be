"""The embedded broker under the load of the demo: several processes send while
the worker receives, and every message arrives once and whole.

kombu's own filesystem transport fails this: its reader takes a message file
its writer has created but not yet filled, and the worker dies of
"JSONDecodeError: Expecting value".
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from kombu import Connection

SENDERS = 3
MESSAGES_PER_SENDER = 400
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


def _send(folder: str, sender: int) -> None:
    with _connection(Path(folder)) as connection:
        queue = connection.SimpleQueue("tasks")
        for number in range(MESSAGES_PER_SENDER):
            queue.put({"sender": sender, "number": number, "padding": PADDING})
        queue.close()


def test_messages_sent_by_several_processes_arrive_once_and_whole(tmp_path):
    for name in ("queue", "staging", "control"):
        (tmp_path / name).mkdir()
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
