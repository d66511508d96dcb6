"""What the portal's runtime database role may do (PostgreSQL).

The portal uses two roles. The *owner* owns the database and every table: the migrations run
as it, and so does ``seed_demo`` (replaying 2019 switches the vote's triggers off inside its
own transaction, which only an owner may do). gunicorn, the Celery worker and beat connect as
the *runtime* role, which owns nothing. An owner can disable or drop any trigger and TRUNCATE
any table; the runtime role cannot, so the triggers that keep the vote insert-only hold against
whatever the processes facing the internet are made to run.

``grant(connection, role)`` (the ``grant_runtime_role`` command) gives the runtime role
everything the portal needs and nothing more: normal DML on every table, SELECT and INSERT only
on the insert-only tables, no TRUNCATE, REFERENCES or TRIGGER anywhere. It is idempotent; run
it, as the owner, after every ``migrate``. Tables that later migrations create get normal DML
through the owner's default privileges until then, so a new table never breaks the portal;
an insert-only table loses UPDATE and DELETE when the command next runs (its row trigger
refuses them meanwhile).
"""

import re

from django.db import transaction

# The tables whose rows are never changed or removed once written: the votes, the ledger that
# chains them, the review history and the signed checkpoints of the ledger's head. On PostgreSQL
# each has a row trigger refusing UPDATE and DELETE, ``<table>_insert_only`` (voting migrations
# 0002, 0004, 0011), and a statement trigger refusing TRUNCATE, ``<table>_no_truncate`` (0010,
# then the migration of each later table), and the runtime role may only SELECT and INSERT.
# This is the one list: a new insert-only table is added here, and the migration that creates
# it adds both triggers (migrations keep their own frozen copy of the names);
# tests/test_database_roles.py checks that the database's triggers match it.
INSERT_ONLY_TABLES = frozenset({
    "voting_vote", "voting_ledgerentry", "voting_votestatuschange", "voting_checkpoint",
})

# Tables the runtime role may update only in these columns and never delete from: a vote's
# link is anonymised (the voter, the receipt in clear and the addresses are forgotten) but its
# mailbox hash, which keeps one mailbox to one vote after the account is gone, stays as written.
LIMITED_UPDATE_COLUMNS = {
    "voting_voterlink": ("voter_id", "receipt_code", "client_ip", "visitor_id"),
}

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(Exception):
    """The role cannot serve as the runtime role (missing, or as powerful as the owner)."""


def check_role(cursor, role):
    """Refuse to run other than as the database's owner (a GRANT by anyone else only warns),
    and refuse a runtime role that is missing, a superuser, able to create roles, or able to
    act as the owner or the current user (the grants would then mean nothing)."""
    if not ROLE_NAME.match(role):
        raise RoleError(f"{role!r} is not a plain lower-case role name")
    cursor.execute(
        "SELECT pg_has_role(current_user, d.datdba, 'MEMBER'), r.rolname IS NOT NULL, "
        "r.rolsuper OR r.rolcreaterole, "
        "pg_has_role(r.oid, current_user, 'MEMBER') OR pg_has_role(r.oid, d.datdba, 'MEMBER') "
        "FROM pg_database d LEFT JOIN pg_roles r ON r.rolname = %s "
        "WHERE d.datname = current_database()", [role])
    owner, exists, powerful, member = cursor.fetchone()
    if not owner:
        raise RoleError("run this as the database's owner (its DATABASE_URL)")
    if not exists:
        raise RoleError(f"the role {role} does not exist (create it first, see the README)")
    if powerful:
        raise RoleError(f"the role {role} is a superuser or may create roles")
    if member:
        raise RoleError(f"the role {role} can act as the database's owner or the current user")


def grant_statements(role, database, insert_only=INSERT_ONLY_TABLES):
    """The statements, in order. Privileges are first revoked then granted, so running them
    again gives the same result, and a table added to ``insert_only`` loses UPDATE and DELETE."""
    statements = [
        f'GRANT CONNECT ON DATABASE "{database}" TO {role}',
        f"REVOKE CREATE ON SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # Tables and sequences the owner creates later (the next migrations).
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]
    statements += [f"REVOKE UPDATE, DELETE ON {table} FROM {role}"
                   for table in sorted(insert_only)]
    for table, columns in sorted(LIMITED_UPDATE_COLUMNS.items()):
        statements += [f"REVOKE UPDATE, DELETE ON {table} FROM {role}",
                       f"GRANT UPDATE ({', '.join(columns)}) ON {table} TO {role}"]
    return statements


def grant(connection, role):
    """Give ``role`` the runtime privileges on the connection's database, in one transaction.
    Returns the statements run."""
    if connection.vendor != "postgresql":
        raise RoleError("database roles apply to PostgreSQL only")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        check_role(cursor, role)
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
        statements = grant_statements(role, database.replace('"', '""'))
        for statement in statements:
            cursor.execute(statement)
    return statements
