"""Many simultaneous sign-ups against the database that DATABASE_URL names.

Run in its own process by tests/config/test_database_settings.py, because the
database settings are read once, when Django starts. Prints the answers' status
codes as JSON, and how many users exist afterwards.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

# The full password hash would make this a benchmark of PBKDF2, not of the database.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def main(threads: int, requests_each: int) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def sign_up_several(worker: int) -> None:
        start.wait()
        try:
            for n in range(requests_each):
                name = f"racer{worker}x{n}"
                response = Client(raise_request_exception=False).post(
                    "/accounts/signup/",
                    {
                        "username": name,
                        "email": f"{name}@example.com",
                        "password1": "a-long-unusual-passphrase-42",
                        "password2": "a-long-unusual-passphrase-42",
                    },
                )
                with lock:
                    statuses[str(response.status_code)] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=sign_up_several, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    users = get_user_model().objects.count()
    print(json.dumps({"statuses": dict(statuses), "users": users}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
