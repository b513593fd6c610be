"""``python -m voicesim``: serve the simulator and print the base URL.

The socket is bound before uvicorn starts so ``--port 0`` can print the real
port, which lets tests run many simulators side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import sys

import uvicorn

from voicesim.app import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, create_app
from voicesim.faults import FAULTS, Faults
from voicesim.limits import Limits
from voicesim.local_hosts import LocalHosts
from voicesim.numbers import to_e164
from voicesim.phonebook import Phonebook


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="voicesim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per second")
    parser.add_argument("--phonebook", default=None, help="JSON or TOML phonebook file")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help=f"inject a fault ({', '.join(FAULTS)}; shares 0-1), repeatable",
    )
    parser.add_argument(
        "--number",
        action="append",
        default=[],
        help="one of the account's phone numbers (repeatable); given any, From must be one",
    )
    parser.add_argument(
        "--caller-id", action="append", default=[], help="a verified caller ID (repeatable)"
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host webhooks may go to beside this machine's own (repeatable)",
    )
    parser.add_argument("--calls-per-second", type=float, default=0.0, help="0: no limit")
    parser.add_argument("--max-concurrent", type=int, default=0, help="0: no limit")
    return parser.parse_args(argv)


def e164_numbers(values: list[str], flag: str) -> list[str]:
    numbers = [to_e164(value) for value in values]
    if None in numbers:
        raise SystemExit(f"{flag}: not a phone number: {values[numbers.index(None)]}")
    return [number for number in numbers if number]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it a keep-alive client waits for
    # a delayed ACK (~40 ms) between uvicorn's header and body writes.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    app = create_app(
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        speed=args.speed,
        phonebook=Phonebook.load(args.phonebook),
        base_url=f"http://{host}:{port}",
        faults=Faults.from_flags(args.fault),
        limits=Limits(args.calls_per_second, args.max_concurrent),
        numbers=(
            e164_numbers(args.number, "--number"),
            e164_numbers(args.caller_id, "--caller-id"),
        ),
        local_hosts=LocalHosts(args.allow_host),
    )
    print(f"voicesim listening on http://{host}:{port}", flush=True)
    print(f"account_sid={args.account_sid} speed={args.speed}", flush=True)
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        access_log=False,
        backlog=2048,
        timeout_keep_alive=30,
        limit_concurrency=None,
    )
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve(sockets=[sock]))
    sys.exit(0)


if __name__ == "__main__":
    main()
