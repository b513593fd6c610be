"""Start ``python -m voicesim`` as a child process and learn its URL.

Tests and benchmarks run the real process (as the product does) on port 0 and
read the printed base URL, so any number of them can run side by side.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

URL_LINE = re.compile(r"voicesim listening on (http://\S+)")


@dataclass
class SimulatorProcess:
    base_url: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_simulator(*extra_args: str, timeout: float = 20.0) -> SimulatorProcess:
    """Run the simulator on a free port; return once it prints its URL."""
    command = [sys.executable, "-m", "voicesim", "--port", "0", *extra_args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=None, text=True, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                raise RuntimeError(f"voicesim exited with {process.returncode}")
            continue
        match = URL_LINE.search(line)
        if match:
            return SimulatorProcess(match.group(1), process)
    process.kill()
    raise RuntimeError("voicesim did not print its URL in time")
