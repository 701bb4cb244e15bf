"""The README's two commands: `make run` installs what runs the shop and nothing of the test tools; `make test`
adds the dev extras."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _planned(target: str) -> list[str]:
    """The pip installs `make` would run for the target on a fresh checkout (-B: as if nothing were built). make
    is one of the README's requirements, so its absence fails here like anywhere else."""
    plan = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in plan.stdout.splitlines() if "pip install" in line and "--upgrade pip" not in line]


def test_make_run_installs_no_test_tools() -> None:
    assert _planned("run") == [".venv/bin/pip install --quiet -e ."]


def test_make_test_adds_the_dev_extras() -> None:
    assert _planned("test")[-1] == ".venv/bin/pip install --quiet -e '.[dev]'"
