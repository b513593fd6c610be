"""The embedded default's Celery broker: kombu's filesystem transport, made safe
for several processes sending and receiving at once.

kombu's own transport creates each message file in the queue folder and then
writes it, and its reader takes the first file it finds without the writer's
lock. Web, worker and beat all send (beat several messages a second), so now
and then the worker took a file that was still empty, failed to decode it
("JSONDecodeError: Expecting value") and died.

Here a message is written whole under a staging folder and then renamed into
the queue folder, so a reader only ever sees complete messages; a reader
claims one by renaming it out of the queue folder, which one process alone
can win. Both folders must sit on the same filesystem for the renames to be
atomic (settings put them under var/).
"""

from __future__ import annotations

import os
import uuid
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property


class Channel(filesystem.Channel):
    @cached_property
    def staging_folder(self) -> str:
        return self.transport_options["staging_folder"]

    def _put(self, queue, payload, **kwargs):
        """Write the message under the staging folder, then move it in whole."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        staged = os.path.join(self.staging_folder, name)
        try:
            with open(staged, "wb") as staged_file:
                staged_file.write(str_to_bytes(dumps(payload)))
            os.replace(staged, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add {name!r} to the queue folder") from exc

    def _get(self, queue):
        """Claim the oldest message of `queue` by moving it out of the folder."""
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self.staging_folder, f"claimed-{name}")
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            try:
                with open(claimed, "rb") as claimed_file:
                    payload = claimed_file.read()
                os.remove(claimed)
            except OSError as exc:
                raise ChannelError(f"Cannot read {claimed!r}") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
