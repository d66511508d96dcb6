"""Races the database settles (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import IntegrityError, connection

from ozgeris.models import User

SPELLINGS = ["dana.bek@gmail.com", "danabek@gmail.com", "Dana.Bek+vote@googlemail.com",
             "d.a.n.a.b.e.k@gmail.com"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_of_one_mailbox_make_one_account():
    barrier = threading.Barrier(len(SPELLINGS))
    outcomes = []

    def sign_up(email):
        try:
            barrier.wait()
            User.objects.create_user(email=email, password="Steppe-sunrise-2019")
            outcomes.append("created")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(email,)) for email in SPELLINGS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["refused"] * (len(SPELLINGS) - 1)
    assert User.objects.filter(canonical_email="danabek@gmail.com").count() == 1
