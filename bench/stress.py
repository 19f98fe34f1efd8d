"""The concurrency load of tests/test_concurrency.py, bigger, against a live waitress sandbox.

    python bench/stress.py                         # 8 threads, 20 s or 20,000 requests
    python bench/stress.py --threads 16 --duration 60 --requests 100000
    python bench/stress.py --url http://127.0.0.1:8080     # a sandbox that is already running

Without ``--url`` it starts ``python -m mockscim serve --port 0`` itself (loopback, a free port)
and stops it at the end. Every thread mixes searches, PATCHes of one shared user (each thread
appends its own emails), PATCHes and reads of its own user (a counter only it writes), creates
and deletes, and rounds where all threads create the same userName at once. It prints the
requests done, the answers by status, and every problem: 5xx and transport errors, unexpected
answers, lost updates (an acknowledged write a later read does not show), versions out of order
(a thread saw a user's meta.version go back), acknowledged PATCHes that did not move the
version, duplicate ids, userName races without exactly one 201. Exit status 1 when any of those
(but the version that did not move, a known bug) happened, else 0.

Everything stops by itself: at ``--requests`` requests or after ``--duration`` seconds, whichever
comes first, with hard upper bounds on both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_concurrency import LoadReport, Sandbox, client_token, run_load  # noqa: E402

MAX_THREADS = 64
MAX_DURATION = 600.0
MAX_REQUESTS = 1_000_000


def bounded(kind: type, low: float, high: float) -> object:
    def parse(text: str) -> object:
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not within {low}..{high}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="root URL of a running sandbox (default: start one)")
    parser.add_argument("--threads", type=bounded(int, 1, MAX_THREADS), default=8)
    parser.add_argument("--duration", type=bounded(float, 1, MAX_DURATION), default=20.0)
    parser.add_argument("--requests", type=bounded(int, 10, MAX_REQUESTS), default=20_000)
    parser.add_argument(
        "--races", type=bounded(int, 0, 100), default=10, help="same-userName create rounds"
    )
    parser.add_argument(
        "--waitress-threads", type=bounded(int, 1, 64), default=4, help="for the started sandbox"
    )
    parser.add_argument("--client-id", default="mockscim")
    parser.add_argument("--client-secret", default="mockscim-secret")
    parser.add_argument("--no-auth", action="store_true", help="the sandbox needs no token")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def print_report(report: LoadReport) -> None:
    print(report.summary())
    print("answers by status:")
    for status, count in sorted(report.statuses.items()):
        label = "transport error" if status == 0 else str(status)
        print(f"  {label:>15}: {count}")
    for title, items in (
        ("5xx and transport errors", report.server_errors),
        ("unexpected answers", report.unexpected),
        ("lost updates", report.lost_updates),
        ("versions out of order", report.versions_out_of_order),
        ("acknowledged PATCHes that did not move meta.version", report.versions_not_moved),
        ("duplicate ids and userNames", report.duplicate_ids),
    ):
        print(f"{title}: {len(items)}")
        for item in items[:10]:
            print(f"  {item}")
        if len(items) > 10:
            print(f"  ... and {len(items) - 10} more")
    print("userName races (201s, 409s, other):", report.race_rounds)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started: Sandbox | None = None
    root = args.url
    if root is None:
        flags = ["--threads", str(args.waitress_threads)] + (["--no-auth"] if args.no_auth else [])
        started = Sandbox(tuple(flags)).start()
        root = started.url
        print(f"started a waitress sandbox at {root} ({args.waitress_threads} threads)")
    try:
        headers = {}
        if not args.no_auth:
            token = client_token(root, args.client_id, args.client_secret)
            headers["Authorization"] = f"Bearer {token}"
        print(
            f"load: {args.threads} threads, up to {args.requests} requests or "
            f"{args.duration:.0f} s, {args.races} userName races"
        )
        report = run_load(
            root,
            headers,
            threads=args.threads,
            requests_total=args.requests,
            duration=args.duration,
            race_rounds=args.races,
            seed=args.seed,
        )
    finally:
        if started is not None:
            started.stop()
    print_report(report)
    races_ok = all(ok == 1 and other == 0 for ok, _, other in report.race_rounds)
    return 1 if report.problems or not races_ok else 0


if __name__ == "__main__":
    sys.exit(main())
