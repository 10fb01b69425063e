"""`python -m simulators.printer`: the printer simulator without the `layso` command."""

from __future__ import annotations

import argparse
import sys

from simulators.printer import cli


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.printer",
                                     description="ESC/POS ticket printer simulator")
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
