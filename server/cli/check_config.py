"""`layso check-config [FILE]`: validate a hall file; exit 2 with the key at fault."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from server.cli.common import load_config_or_exit
from server.cli.options import add_data_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, help="the hall's TOML file")
    add_data_options(parser)


def run(args: argparse.Namespace) -> int:
    if args.file is not None:
        args.config = args.file
    cfg = load_config_or_exit(args)
    print(f"{args.config}: OK — {cfg.hall.name}: {len(cfg.services)} services, "
          f"{len(cfg.counters)} counters, {len(cfg.priority_groups)} priority groups, "
          f"{len(cfg.devices)} devices, zone {cfg.hall.timezone}")
    es = cfg.esystem
    if es.kind != "none":
        from server.esystem.base import safe_url

        print(f"  e-system: {es.kind} at {safe_url(es.url)}"
              + (f" as {es.username}" if es.username else ""))
        if es.password_env and not os.environ.get(es.password_env):
            print(f"  warning: esystem.password_env names {es.password_env}, which is not set "
                  "here; set it where the server runs")
    if es.catalog:
        from server.esystem.catalog import load_catalog

        print(f"  procedure catalog: {len(load_catalog(es.catalog))} procedures from "
              f"{es.catalog}")
    return 0
