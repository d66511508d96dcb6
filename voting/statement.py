"""A vote as one PostgreSQL statement: its checks, the vote and the voter's link.

Elsewhere a vote is a check query and a transaction of two inserts: four round trips to the
database, BEGIN and COMMIT included, and under load most of a vote's time. On PostgreSQL the
same work is one statement, atomic by itself:

    WITH allowed AS (<the checks>),
         new_vote AS (INSERT INTO <votes> (...) SELECT ... FROM allowed RETURNING id)
    INSERT INTO <links> (vote_id, ...) SELECT id, ... FROM new_vote RETURNING 1

The checks are not written here: they are the ORM's query of ``services.allowed_to_vote``,
compiled once per process with stand-in values that each vote replaces with its own, so the
rule has one definition. The columns come from the models. The statement is prepared once
per database connection (PostgreSQL then neither parses nor plans it again), so the portal
must not sit behind a pooler that shares server connections between transactions. A row
back means the vote is stored; no row means a check refused it (the caller asks which); the
link's unique constraint raises IntegrityError when the voter has already voted.
"""

import contextlib
import functools

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from .models import Vote, VoterLink

# Values no real vote has, to find the checks' parameters in the compiled query.
STAND_IN_PROGRAMME = -918_273_645
STAND_IN_VOTER = -918_273_646
STAND_IN_EMAIL = "stand-in.918273647@voting.invalid"
STATEMENT = "ozgeris_cast_vote"


def _columns(model, skip):
    """The model's columns that an insert sets (its key, ``skip`` and the columns the
    database fills itself left out), as (field, quoted column)."""
    return [(field, connection.ops.quote_name(field.column))
            for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in skip and not field.has_db_default()]


@functools.cache
def _compiled(allowed_to_vote):
    """(PREPARE statement, check parameters with stand-in names, vote fields, link fields),
    once per process."""
    stand_in_voter = get_user_model()(pk=STAND_IN_VOTER, email=STAND_IN_EMAIL)
    check_sql, check_params = allowed_to_vote(
        stand_in_voter, STAND_IN_PROGRAMME).query.sql_with_params()
    names = {STAND_IN_PROGRAMME: "programme", STAND_IN_VOTER: "voter", STAND_IN_EMAIL: "email"}
    slots = [("name", names[param]) if param in names else ("value", param)
             for param in check_params]
    if {value for kind, value in slots if kind == "name"} != set(names.values()):
        raise RuntimeError(f"The vote's checks did not compile as expected: {check_params}")
    name_types = {"programme": Vote._meta.get_field("programme").db_type(connection),
                  "voter": get_user_model()._meta.pk.db_type(connection), "email": "text"}
    vote_columns = _columns(Vote, skip=())
    link_columns = _columns(VoterLink, skip=("vote",))
    types = [name_types[value] if kind == "name" else _constant_type(value)
             for kind, value in slots]
    types += [field.db_type(connection) for field, _ in vote_columns + link_columns]
    vote_table = connection.ops.quote_name(Vote._meta.db_table)
    link_table = connection.ops.quote_name(VoterLink._meta.db_table)
    vote_key = connection.ops.quote_name(Vote._meta.pk.column)
    # Only the ORM's SQL and quoted names from the models go into the text; values are
    # parameters ($1, $2, ... in place of the %s placeholders, in order).
    sql = (
        f"WITH allowed AS ({check_sql}), "  # noqa: S608
        f"new_vote AS (INSERT INTO {vote_table} ({', '.join(c for _, c in vote_columns)}) "
        f"SELECT {', '.join(['%s'] * len(vote_columns))} FROM allowed RETURNING {vote_key}) "
        f"INSERT INTO {link_table} ("
        f"{connection.ops.quote_name(VoterLink._meta.get_field('vote').column)}, "
        f"{', '.join(c for _, c in link_columns)}) "
        f"SELECT {vote_key}, {', '.join(['%s'] * len(link_columns))} FROM new_vote "
        f"RETURNING 1")
    sql %= tuple(f"${number}" for number in range(1, len(types) + 1))
    prepare = f"PREPARE {STATEMENT} ({', '.join(types)}) AS {sql}"
    return prepare, slots, tuple(f for f, _ in vote_columns), tuple(f for f, _ in link_columns)


def _constant_type(value):
    for kind, name in ((bool, "boolean"), (int, "bigint"), (str, "text")):
        if isinstance(value, kind):
            return name
    raise RuntimeError(f"The vote's checks have a parameter of an unknown type: {value!r}")


def record(allowed_to_vote, voter, vote, link):
    """Store a vote and its link, given as their column values (attname: value; a column left
    out takes its field's default), if ``allowed_to_vote(voter, programme id)`` finds the
    programme; True when they were stored. Raises IntegrityError when the link's unique
    constraint refuses them."""
    prepare, slots, vote_fields, link_fields = _compiled(allowed_to_vote)
    for fields, values in ((vote_fields, vote), (link_fields, link)):
        unknown = values.keys() - _attnames(fields)
        if unknown:  # what create() refuses on SQLite, or a column the database fills itself
            raise TypeError(f"Not a column the vote's statement writes: {sorted(unknown)}")
    # Looked up once: the ``connection`` proxy looks it up again for every attribute.
    database = connections[DEFAULT_DB_ALIAS]
    stand_ins = {"programme": vote["programme_id"], "voter": voter.pk, "email": voter.email}
    params = [stand_ins[value] if kind == "name" else value for kind, value in slots]
    for fields, values in ((vote_fields, vote), (link_fields, link)):
        params += [field.get_db_prep_save(values[field.attname] if field.attname in values
                                          else field.get_default(), database)
                   for field in fields]
    # Inside a caller's transaction (a test, a management command) a savepoint keeps a
    # refused statement from aborting it; a web request runs it on its own, in autocommit.
    with transaction.atomic() if database.in_atomic_block else contextlib.nullcontext():
        with database.cursor() as cursor:
            _prepare_once(database, cursor, prepare)
            cursor.execute(_execute_text(len(params)), params)
            row = cursor.fetchone()
    return row is not None


@functools.cache
def _attnames(fields):
    return frozenset(field.attname for field in fields)


@functools.cache
def _execute_text(count):
    return f"EXECUTE {STATEMENT} ({', '.join(['%s'] * count)})"


def _prepare_once(database, cursor, prepare):
    """PREPARE the statement on this database connection unless it already was (a prepared
    statement lives as long as the connection, whatever happens to transactions)."""
    server_connection = database.connection
    if getattr(database, "_vote_statement_prepared_on", None) is not server_connection:
        cursor.execute(prepare)
        database._vote_statement_prepared_on = server_connection
