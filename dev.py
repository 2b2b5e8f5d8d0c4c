#!/usr/bin/env python3
"""Set up and run Kraftsamla on a fresh machine that has only Python 3.11+.

python3 dev.py demo    install, create the SQLite database, load reference and
                       demo data, print demo logins, serve http://127.0.0.1:8000
                       and run the background worker (e-mails)
python3 dev.py test    install, then run the linter and the whole test suite
                       (set DATABASE_URL to run it on PostgreSQL)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str, env: dict | None = None) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True, env=env)


def ensure_installed() -> None:
    """Create .venv and install the project with its test tools, when pyproject changes."""
    if sys.version_info < (3, 11):  # noqa: UP036 - a newcomer may run an older python3
        sys.exit("Kraftsamla needs Python 3.11 or newer.")
    if not PY.exists():
        print("Creating the virtual environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{digest}"
    if not stamp.exists():
        run(str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(str(PY), "-m", "pip", "install", "--quiet", "-e", ".[test,prod]")
        for old in VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()


def base_env() -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "kraftsamla.config.settings")
    return env


def demo() -> None:
    ensure_installed()
    env = base_env()
    env.setdefault("DJANGO_DEBUG", "1")
    manage = [str(PY), "manage.py"]
    run(*manage, "migrate", "--noinput", "-v", "0", env=env)
    run(*manage, "createcachetable", env=env)
    run(*manage, "load_reference_data", env=env)
    run(*manage, "load_framework", env=env)
    run(*manage, "load_project_template", env=env)
    run(*manage, "load_demo_data", env=env)
    print("\nKraftsamla runs at http://127.0.0.1:8000 (stop with Ctrl+C).\n", flush=True)
    # The background worker sends e-mails (printed to this console in the demo).
    worker = subprocess.Popen([*manage, "db_worker", "--interval", "2"], cwd=ROOT, env=env)
    try:
        subprocess.run([*manage, "runserver", "127.0.0.1:8000"], cwd=ROOT, env=env, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def test(extra: list[str]) -> None:
    ensure_installed()
    env = base_env()
    env.setdefault("KRAFTSAMLA_ALLOW_INSECURE_KEY", "1")
    run(str(PY), "-m", "ruff", "check", "kraftsamla", "tests", "bench", "dev.py", env=env)
    if not shutil.which("chromium") and not os.environ.get("KRAFTSAMLA_CHROMIUM"):
        print(
            "Note: Debian's chromium is not installed, so the browser tests are skipped "
            "(apt-get install chromium to run them; CI does).",
            flush=True,
        )
    # One worker per core (files kept together), unless the caller chose: -n 0 runs in-process.
    parallel = ["-n", "auto", "--dist", "loadfile"]
    if any(arg.startswith(("-n", "--numprocesses")) for arg in extra):
        parallel = []
    proc = subprocess.run([str(PY), "-m", "pytest", *parallel, *extra], cwd=ROOT, env=env)
    sys.exit(proc.returncode)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        sys.exit(__doc__)
    if sys.argv[1] == "demo":
        demo()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
