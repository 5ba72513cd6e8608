"""Running the portal's own commands (daphne, db_worker, manage.py) as real processes on the test database."""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.db import connections

BASE_DIR = Path(__file__).resolve().parents[1]


def database_url() -> str:
    config = connections["default"].settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(config['NAME']).resolve()}"
    return f"postgres://{config['USER']}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{config['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a production-like process pointed at the test database (and REDIS_URL if set)."""
    return {
        **os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY, "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", **extra,
    }


def manage(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]
