"""Loading the hall for a command: config errors print the key and exit 2, nothing started."""

from __future__ import annotations

import argparse
import sys

from contracts.hall_config import HallConfig, HallConfigError, load_hall_config


def load_config_or_exit(args: argparse.Namespace) -> HallConfig:
    try:
        cfg = load_hall_config(args.config)
    except HallConfigError as exc:
        print(f"layso: config error in {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if cfg.esystem.catalog:  # a file the hall names must be readable before anything starts
        from server.esystem.catalog import CatalogError, load_catalog

        try:
            load_catalog(cfg.esystem.catalog)
        except CatalogError as exc:
            print(f"layso: config error in {args.config}: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    return cfg


def open_hall(args: argparse.Namespace):
    """The hall over its database, migrated, for commands that change data; a `--db` that
    is wrong or out of reach is one line and exit 2, before anything is created."""
    from server.cli.dbcheck import database_url_or_exit
    from server.db.database import Database
    from server.hall import Hall

    cfg = load_config_or_exit(args)
    database_url_or_exit(args, getattr(args, "command", None) or "")
    hall = Hall(cfg, Database(args.db))
    hall.setup()
    return hall
