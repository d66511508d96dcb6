"""The vote's tables hold against the runtime database role (PostgreSQL).

A runtime role made for this module gets ``grant_runtime_role``'s privileges on the test
database; each test then connects as it, or as the owner (the tests' own user), with psycopg2
directly, as gunicorn or a careless script would. Privileges are catalogue facts, so the grants
are committed once for the module and every test rolls its own session back.
"""

import contextlib
import uuid

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import errors

from ozgeris.dbroles import INSERT_ONLY_TABLES

pytestmark = pytest.mark.postgres


@contextlib.contextmanager
def session(user=None, **settings):
    """A cursor on the test database as ``user`` (default: the tests' own, the owner); the
    session's work is rolled back."""
    params = connection.settings_dict
    conn = psycopg2.connect(host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432,
                            dbname=params["NAME"], user=user or params["USER"],
                            password=None if user else params["PASSWORD"])
    try:
        with conn.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
            for name, value in settings.items():
                cursor.execute(f"SET ozgeris.{name} = %s", [value])
            yield cursor
    finally:
        conn.rollback()
        conn.close()


def refused(cursor, statement, error=errors.InsufficientPrivilege):
    """Run ``statement`` in a savepoint and return the error it raised (None if it ran)."""
    cursor.execute("SAVEPOINT attempt")
    try:
        cursor.execute(statement)
    except error as exc:
        cursor.execute("ROLLBACK TO SAVEPOINT attempt")
        return exc
    cursor.execute("RELEASE SAVEPOINT attempt")
    return None


@pytest.fixture(scope="module")
def runtime_role(django_db_setup, django_db_blocker):
    role = f"ozgeris_test_app_{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        try:
            call_command("grant_runtime_role", role, verbosity=0)
            call_command("grant_runtime_role", role, verbosity=0)  # idempotent
            yield role
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP OWNED BY {role}")  # its grants, default ones included
                cursor.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize("statement", [
    # It cannot switch off or drop the vote's triggers.
    "ALTER TABLE voting_vote DISABLE TRIGGER voting_vote_insert_only",
    "ALTER TABLE voting_ledgerentry DISABLE TRIGGER USER",
    "DROP TRIGGER voting_vote_insert_only ON voting_vote",
    "DROP TRIGGER voting_ledgerentry_no_truncate ON voting_ledgerentry",
    # It cannot free a mailbox to vote again: a voter link is anonymised (its receipt code
    # cleared), never rewritten, so its mailbox hash keeps one vote per mailbox.
    "UPDATE voting_voterlink SET mailbox = NULL WHERE false",
    "UPDATE voting_voterlink SET programme_id = programme_id WHERE false",
    "DELETE FROM voting_voterlink WHERE false",
])
def test_the_runtime_role_cannot_undo_what_keeps_the_vote_honest(runtime_role, statement):
    with session(runtime_role) as cursor:
        assert refused(cursor, statement), statement


@pytest.mark.parametrize("table", sorted(INSERT_ONLY_TABLES))
def test_the_runtime_role_cannot_truncate_an_insert_only_table(runtime_role, table):
    # The test database lets flush truncate (ozgeris.allow_truncate): only the missing
    # privilege stands in the way here.
    with session(runtime_role) as cursor:
        assert refused(cursor, f"TRUNCATE {table}")


@pytest.mark.parametrize("table", sorted(INSERT_ONLY_TABLES))
@pytest.mark.parametrize("verb", ["UPDATE {} SET id = id WHERE false",
                                  "DELETE FROM {} WHERE false"])
def test_the_runtime_role_cannot_update_or_delete_an_insert_only_table(runtime_role, table, verb):
    # No row matches, so no row trigger fires: the privilege alone refuses it.
    with session(runtime_role) as cursor:
        assert refused(cursor, verb.format(table))


def test_the_runtime_role_reads_votes_and_writes_the_portals_other_tables(runtime_role):
    with session(runtime_role) as cursor:
        cursor.execute("SELECT count(*) FROM voting_vote")
        cursor.execute("INSERT INTO django_session (session_key, session_data, expire_date) "
                       "VALUES ('roles-test', '', now())")
        cursor.execute("UPDATE django_session SET session_data = 'x' "
                       "WHERE session_key = 'roles-test'")
        cursor.execute("DELETE FROM django_session WHERE session_key = 'roles-test'")
        # Deleting an account anonymises its vote's link (voting.services.anonymise_voter).
        cursor.execute("UPDATE voting_voterlink SET receipt_code = '' WHERE false")
        cursor.execute("SELECT bool_and(has_table_privilege(t, 'SELECT') "
                       "AND has_table_privilege(t, 'INSERT')) FROM unnest(%s) AS t",
                       [sorted(INSERT_ONLY_TABLES)])
        assert cursor.fetchone() == (True,)


def test_a_table_a_later_migration_creates_gives_the_runtime_role_dml_only(runtime_role):
    with session() as cursor:
        cursor.execute("CREATE TABLE roles_test_later (id bigint GENERATED BY DEFAULT AS "
                       "IDENTITY PRIMARY KEY)")
        cursor.execute("SELECT privilege, has_table_privilege(%s, 'roles_test_later', privilege) "
                       "FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', "
                       "'TRIGGER', 'REFERENCES']) AS privilege", [runtime_role])
        assert dict(cursor.fetchall()) == {
            "SELECT": True, "INSERT": True, "UPDATE": True, "DELETE": True,
            "TRUNCATE": False, "TRIGGER": False, "REFERENCES": False}


@pytest.mark.parametrize("table", sorted(INSERT_ONLY_TABLES))
def test_the_owners_truncate_is_refused_unless_the_database_allows_it(table):
    with session(allow_truncate="off") as cursor:
        error = refused(cursor, f"TRUNCATE {table} CASCADE", errors.RaiseException)
        assert error and "insert-only: TRUNCATE refused" in str(error)
    with session(allow_truncate="on") as cursor:  # the test database's flush (rolled back)
        assert not refused(cursor, f"TRUNCATE {table} CASCADE", errors.RaiseException)


@pytest.mark.django_db
def test_the_insert_only_tables_are_the_ones_their_triggers_guard():
    """ozgeris.dbroles.INSERT_ONLY_TABLES, which the grants read, names exactly the tables
    with the row trigger and the TRUNCATE trigger, both enabled."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                       "WHERE tgenabled = 'O' AND (tgname LIKE '%%\\_insert\\_only' "
                       "OR tgname LIKE '%%\\_no\\_truncate')")
        triggers = cursor.fetchall()
    row = {table for name, table in triggers if name == f"{table}_insert_only"}
    truncate = {table for name, table in triggers if name == f"{table}_no_truncate"}
    assert row == truncate == INSERT_ONLY_TABLES


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["current_user", "ozgeris_no_such_role", "Bad-Name"])
def test_grant_runtime_role_refuses_a_role_that_cannot_serve(role):
    if role == "current_user":  # the owner itself, a superuser here
        role = connection.settings_dict["USER"]
    with pytest.raises(CommandError):
        call_command("grant_runtime_role", role, verbosity=0)
