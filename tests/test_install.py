"""The package as a user gets it: a wheel built from this checkout, installed with its
declared dependencies (and nothing else) into a brand-new virtual environment, imports
every one of its modules. A module that imports a package the project does not
declare fails here, whatever the machine running the tests has installed."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

IMPORT_ALL = r"""
import importlib, json, pkgutil, sys
import workflow
skipped = {
    "workflow.__main__",  # runs the command line (python -m workflow)
    "workflow.store.migrations.env",  # run by Alembic only, inside a migration
}
names = [m.name for m in pkgutil.walk_packages(workflow.__path__, "workflow.") if m.name not in skipped]
failed = {}
for name in names:
    try:
        importlib.import_module(name)
    except Exception as e:
        failed[name] = f"{type(e).__name__}: {e}"
print(json.dumps({"modules": len(names), "failed": failed, "file": workflow.__file__}))
"""


@pytest.mark.skipif(
    os.environ.get("WORKFLOW_SKIP_INSTALL_TEST") == "1", reason="WORKFLOW_SKIP_INSTALL_TEST=1"
)
def test_every_module_of_the_wheel_imports_in_a_fresh_venv(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("workflow-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, system_site_packages=False)
    py = env_dir / "bin" / "python"
    installed = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, timeout=900
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    out = subprocess.run(
        [str(py), "-c", IMPORT_ALL], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    import json

    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}, report["failed"]
    assert report["modules"] > 100  # the whole package, the TUI included
    assert str(env_dir) in report["file"]  # the installed wheel, not this checkout
