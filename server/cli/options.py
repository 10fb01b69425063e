"""Options shared by every command that touches the hall's data: `--config` and `--db`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from contracts.hall_config import DEFAULT_CONFIG

DEFAULT_DB = "sqlite:///var/layso.sqlite3"


def add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ.get("LAYSO_CONFIG") or DEFAULT_CONFIG),
        help="the hall's TOML file (env LAYSO_CONFIG; default: the demo hall)",
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("LAYSO_DB") or DEFAULT_DB,
        help="database URL: sqlite:///FILE or postgresql://… (env LAYSO_DB; default: %(default)s)",
    )
