"""The import rules of DESIGN.md, held by a test rather than by a review.

The project's packages stand on floors, and a module imports only its own package and packages
on a lower floor, never one beside it or above it:

- floor 0: `common/` (small helpers: fonts, device tokens, live screenshots) and `contracts/`
  (the shapes that cross a process boundary); each imports no other folder of ours;
- floor 1: `drivers/` (wire protocols only);
- floor 2: `server/`, `simulators/`, `kiosk/`, `display/`, `counter_panel/`: the apps never
  import the server and the server imports no app (they meet over HTTP and the WebSocket);
  drivers and simulators never import the server, and the server does not import simulators;
- floor 3: `layso/`, the command line, the demo, the hall-day simulator and the benchmark,
  which put the others together.

Every import is counted, also the lazy ones inside functions, those under `TYPE_CHECKING` and
`importlib.import_module("…")` with a literal name. `tests/` stands above all and is not checked.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FLOORS: dict[str, int] = {
    "common": 0,
    "contracts": 0,
    "drivers": 1,
    "server": 2,
    "simulators": 2,
    "kiosk": 2,
    "display": 2,
    "counter_panel": 2,
    "layso": 3,
}


def imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted module name) of every absolute import in a parsed module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(root: Path, floors: dict[str, int] = FLOORS) -> list[str]:
    """`file:line: pkg (floor a) imports name (floor b)` for each import that is not downward."""
    found: list[str] = []
    for package, floor in floors.items():
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for line, name in imported_names(tree):
                top = name.split(".")[0]
                if top == package or top not in floors or floors[top] < floor:
                    continue
                where = path.relative_to(root).as_posix()
                found.append(
                    f"{where}:{line}: {package} (floor {floor}) imports {name} "
                    f"(floor {floors[top]})"
                )
    return found


def test_no_module_imports_beside_or_above_its_floor() -> None:
    found = violations(ROOT)
    assert not found, "imports against the floors of DESIGN.md:\n" + "\n".join(found)


def test_every_installed_package_has_a_floor() -> None:
    """A new top-level package is placed on a floor before it is installed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {name.rstrip("*") for name in include} == set(FLOORS)
    for package in FLOORS:
        assert (ROOT / package / "__init__.py").is_file(), package


def test_the_check_reports_each_upward_sideways_and_lazy_import(tmp_path: Path) -> None:
    """The checker itself can fail: a small tree with one import of each kind it must catch."""
    files = {
        "common/__init__.py": "",
        "common/fonts.py": "import os\nfrom common import x\n",
        "drivers/__init__.py": "from common.fonts import path\n",
        "drivers/render.py": "def f():\n    from layso.fonts import path\n",
        "server/__init__.py": "from drivers import render\n",
        "server/bench.py": "import simulators.bus.line\n",
        "simulators/__init__.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from server.app import App\n",
        "layso/__init__.py": "import importlib\nimportlib.import_module('server.cli')\n",
        "kiosk/__init__.py": "import importlib\nimportlib.import_module('layso.cli')\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    floors = {"common": 0, "drivers": 1, "server": 2, "simulators": 2, "kiosk": 2, "layso": 3}
    assert violations(tmp_path, floors) == [
        "drivers/render.py:2: drivers (floor 1) imports layso.fonts (floor 3)",
        "server/bench.py:1: server (floor 2) imports simulators.bus.line (floor 2)",
        "simulators/__init__.py:3: simulators (floor 2) imports server.app (floor 2)",
        "kiosk/__init__.py:2: kiosk (floor 2) imports layso.cli (floor 3)",
    ]
