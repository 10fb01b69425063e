"""`layso sim esystem`: serve the simulated e-system until Ctrl+C.

    layso sim esystem --port 8090                  # prints `url: http://127.0.0.1:8090`
    layso sim esystem --fault slow --slow 10       # start with a fault
    curl -X POST localhost:8090/_sim/fault -d '{"fault": "down"}'   # switch it at run time

The hall file then says `[esystem] kind = "opencps"`, `url` that address, `group_id`,
`username` and `password` as printed.
"""

from __future__ import annotations

import argparse
import sys

from simulators.esystem.app import FAULTS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090, help="0: any free port")
    p.add_argument("--dossiers", type=int, default=330, help="how many to generate")
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--group-id", default="35402")
    p.add_argument("--username", default="layso")
    p.add_argument("--password", default="layso-sim")
    p.add_argument("--fault", choices=FAULTS, default="none")
    p.add_argument("--slow", type=float, default=10.0, help="seconds the `slow` fault waits")


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from simulators.esystem.app import build_app, listen, make_state

    state = make_state(args.dossiers, args.seed, group_id=args.group_id,
                       username=args.username, password=args.password, fault=args.fault,
                       slow_s=args.slow)
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        print(f"layso sim esystem: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return 1
    print(f"url: http://{args.host}:{sock.getsockname()[1]}", flush=True)
    print(f"OpenCPS simulator: {len(state.dossiers)} dossiers, groupId {args.group_id}, "
          f"user {args.username} (password as given), fault {args.fault}", flush=True)
    uvicorn.Server(uvicorn.Config(build_app(state), log_level="warning")).run(sockets=[sock])
    return 0
