"""Real threads against the database, for the PostgreSQL concurrency tests."""

from __future__ import annotations

import threading

from django.db import close_old_connections, connection


def run_in_threads(count: int, work) -> list:
    """Start ``count`` threads at the same moment; return what each returned or raised.

    Each thread has its own database connection (Django's are per thread) and closes it,
    so the test database can be dropped at the end of the run.
    """
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # collected and asserted on by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return results
