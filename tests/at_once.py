"""Races for the tests that need PostgreSQL to settle them: the same request made by several
threads released together, as two tabs or a double click make it."""

import threading

from django.db import connection


def run_at_once(calls):
    """Call each of ``calls`` in a thread of its own, all released by one barrier so that they
    race; each thread closes its database connection when done (a thread's connection would
    otherwise stay open and hold the test database). What each call returned, or the exception
    it raised, in the order of ``calls``."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the test reads what each call met
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call))
               for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
