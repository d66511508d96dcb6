"""Backups that restore (issue 15): the drill, and the archive's defences.

The drill (PostgreSQL) takes the seeded 2019 demo, reads what must survive through the portal
(the ledger's head digest and ``verify``'s verdict, every document downloaded with its SHA-256,
the report's figures, the vote's triggers and that they refuse an UPDATE), backs it up with
``backups.backup`` from the test database, then restores it as an operator would: ``manage.py
restore`` in another process, into a scratch database owned by a role made for the drill that
is no superuser (the owner role of production) and a fresh MEDIA_ROOT. The same reading, taken
through the restored portal in another process, must be identical, and ``verify_ledger`` must
print the same digest. It prints the restore time and the digests for the record (``-s``).

The scratch database is ``<test database>_restored`` and its role ``<test database>_restorer``,
dropped after the drill; the cluster must let that role in without a password (CI's trust).

The SQLite tests run in the first pass: the embedded default backed up and restored into a file,
refusals (a database that holds tables, a damaged archive, media that differs from the manifest)
and a crafted media archive that tries to write outside MEDIA_ROOT.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from ozgeris import backups

from .drill_stack import ROOT, database_url

sqlite_only = pytest.mark.skipif(settings.USING_POSTGRES,
                                 reason="the embedded default's path: runs in the SQLite pass")
RESTORE_TIMEOUT = 300

# The reading taken in the restored portal's own process.
PROBE = ("import json; from django.test import Client; "
         "from tests.test_backup_drill import portal_facts; "
         "print(json.dumps(portal_facts(Client()), default=str))")


def portal_facts(client):
    """What a restore must give back, read through the portal (as staff where it needs to),
    as plain JSON-able values."""
    from applications.models import ApplicationDocument
    from ozgeris.models import Programme, User
    from reporting import report
    from voting import ledger

    programme = Programme.objects.get(year=2019)
    problems, head, tally = ledger.verify(programme)
    client.force_login(User.objects.get(email="staff@demo.ozgeris.kz"))
    documents = {}
    for document in ApplicationDocument.objects.order_by("pk"):
        url = reverse("applications:document", args=[document.application_id, document.pk])
        documents[url] = _download(client, url)
    public = Path(settings.MEDIA_ROOT) / "public"
    for file in sorted(path for path in public.rglob("*") if path.is_file()):
        url = reverse("public_media", args=[file.relative_to(public).as_posix()])
        documents[url] = _download(client, url)
    context = report.context(programme)
    return json.loads(json.dumps({
        "ledger": {"head": head, "problems": [str(problem) for problem in problems],
                   "tally": tally},
        "documents": documents,
        "report": {
            "indicators": [(row.indicator.pk, str(row.indicator), row.actual, row.status,
                            row.evidence) for row in context["rows"]],
            "narratives": [[str(block) for block in activity.narrative.blocks]
                           for task in context["tasks"] for activity in task.activities],
            "tables": [[str(item) for item in table] for table in context["tables"]],
        },
        "triggers": _triggers(),
        "vote_update": _refusal("UPDATE voting_vote SET finalist_id = finalist_id "
                                "WHERE id = (SELECT MIN(id) FROM voting_vote)"),
        "migrations": sorted(MigrationRecorder(connection).applied_migrations()),
    }, default=str))


def _download(client, url):
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [response.status_code, hashlib.sha256(content).hexdigest()]


def _triggers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t "
                       "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
                       "ORDER BY 1, 2")
        return cursor.fetchall()


def _refusal(statement):
    """The error ``statement`` raises, in a savepoint (None if it ran)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
            raise AssertionError(f"not refused: {statement}")
    except DatabaseError as refused:
        return str(refused).splitlines()[0]


# PostgreSQL: the drill

def _maintenance(statements):
    """Run statements on the cluster's ``postgres`` database, outside any transaction."""
    params = connection.settings_dict
    conn = psycopg2.connect(host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432,
                            dbname="postgres", user=params["USER"], password=params["PASSWORD"])
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


@pytest.fixture
def scratch_database():
    """An empty database owned by a role that is no superuser; dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    role = f"{connection.settings_dict['NAME']}_restorer"
    drop = [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE IF EXISTS {role}"]
    _maintenance([*drop, f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
                  f"CREATE DATABASE {name} OWNER {role}"])
    yield {**connection.settings_dict, "NAME": name, "USER": role, "PASSWORD": ""}
    _maintenance(drop)


def _manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=RESTORE_TIMEOUT)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_backed_up_and_restored_elsewhere_has_the_same_ledger_documents_and_report(
        demo_programme, client, scratch_database, tmp_path):
    before = portal_facts(client)
    assert before["ledger"]["problems"] == [] and len(before["documents"]) > 50
    assert {status for status, _digest in before["documents"].values()} == {200}
    folder, manifest = backups.backup(tmp_path / "backups")
    assert manifest["ledger_heads"][-1]["digest"] == before["ledger"]["head"]
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "TEST_DATABASE_NAME"}}
    env.update({"DJANGO_SETTINGS_MODULE": "ozgeris.settings",
                "DATABASE_URL": database_url(scratch_database),
                "OZGERIS_VAR_DIR": str(tmp_path / "var"),
                "MEDIA_ROOT": str(tmp_path / "restored-media")})

    restored = _manage(env, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    probe = _manage(env, "shell", "-c", PROBE)
    assert probe.returncode == 0, probe.stderr
    after = json.loads(probe.stdout.strip().splitlines()[-1])
    verified = _manage(env, "verify_ledger", "--programme", "2019")
    restore_time = next(line for line in restored.stdout.splitlines()
                        if line.startswith("restored in"))
    print(f"\nbackup drill: {len(manifest['media'])} media files, "
          f"{manifest['database']['size']} bytes of dump; {restore_time}\n"
          f"  head digest before: {before['ledger']['head']}\n"
          f"  head digest after:  {after['ledger']['head']}")

    assert after == before
    assert verified.returncode == 0, verified.stderr
    assert f"head digest: {before['ledger']['head']}" in verified.stdout

    refused = _manage(env, "restore", str(folder))
    assert refused.returncode != 0 and "the database holds tables" in refused.stderr
    forced = _manage(env, "restore", str(folder), "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"head digest {before['ledger']['head']}" in forced.stdout
    assert _manage(env, "verify_ledger", "--programme", "2019").returncode == 0


# SQLite: the embedded default, and the archive's defences

def _sqlite_target(path):
    """A Django connection to a scratch SQLite file (the restore's target)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    return DatabaseWrapper({
        "ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {},
        "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "",
        "TEST": {}}, alias="restore_target")


def _rows(raw):
    """Every table's rows, in order: the whole database as values."""
    tables = [name for (name,) in raw.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
        "ORDER BY name")]
    return {table: raw.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()  # noqa: S608
            for table in tables}


def _media(root):
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for store in backups.STORES for path in (Path(root) / store).rglob("*")
            if path.is_file()}


@pytest.fixture(scope="module")
def _demo_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """One backup of the demo for the module, taken outside any test's transaction (SQLite's
    backup API waits for a write transaction on the source to end, as the portal's do)."""
    from ozgeris.models import Programme

    with django_db_blocker.unblock():
        if not Programme.objects.filter(year=2019).exists():
            call_command("seed_demo", verbosity=0, stdout=io.StringIO())
        return backups.backup(tmp_path_factory.mktemp("backups"))


@pytest.fixture
def sqlite_backup(_demo_backup, db, tmp_path):
    """The module's backup, copied for a test to tamper with."""
    folder, manifest = _demo_backup
    copy = shutil.copytree(folder, tmp_path / folder.name)
    return copy, json.loads(json.dumps(manifest))


@pytest.fixture
def target(tmp_path):
    database = _sqlite_target(tmp_path / "restored.sqlite3")
    yield database
    database.close()


@sqlite_only
def test_sqlite_backup_restores_the_whole_database_and_media_into_a_fresh_file(
        _demo_backup, db, target, tmp_path):
    from ozgeris.models import Programme
    from voting import ledger

    head = ledger.head(Programme.objects.get(year=2019))
    folder, manifest = _demo_backup
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in folder.iterdir()} == {
        name: oct(0o600) for name in (backups.MANIFEST, "database.sqlite3", backups.MEDIA_ARCHIVE)}
    assert manifest["ledger_heads"] == [
        {"programme": 2019, "sequence": head.sequence, "digest": head.leaf}]
    assert manifest["missing_files"] == []

    restored = backups.restore(folder, connection=target, media_root=tmp_path / "media")

    connection.ensure_connection()
    target.ensure_connection()
    assert _rows(target.connection) == _rows(connection.connection)
    assert _media(tmp_path / "media") == _media(settings.MEDIA_ROOT)
    assert restored.media_files == len(manifest["media"]) > 50


@sqlite_only
def test_restore_refuses_a_database_that_holds_tables_unless_forced(sqlite_backup, target,
                                                                    tmp_path):
    folder, manifest = sqlite_backup
    target.ensure_connection()
    target.connection.execute("CREATE TABLE kept (note TEXT)")

    with pytest.raises(backups.BackupError, match="the database holds tables"):
        backups.restore(folder, connection=target, media_root=tmp_path / "media")
    assert _rows(target.connection) == {"kept": []}

    backups.restore(folder, connection=target, media_root=tmp_path / "media", force=True)
    assert "kept" not in _rows(target.connection)
    assert manifest["ledger_heads"]


@sqlite_only
def test_restore_refuses_a_backup_made_by_newer_code(sqlite_backup, target, tmp_path):
    """Rolling an upgrade back with a backup taken after it: the old code would run on a newer
    schema, and ``migrate`` would skip the migrations it does not know without a word."""
    folder, manifest = sqlite_backup
    manifest["migrations"]["voting"].append("9999_from_a_later_version")
    (folder / backups.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(backups.BackupError, match=r"newer code.*voting\.9999_from_a_later"):
        backups.restore(folder, connection=target, media_root=tmp_path / "media")

    target.ensure_connection()
    assert _rows(target.connection) == {}
    assert not (tmp_path / "media").exists()


@sqlite_only
def test_restore_sets_aside_the_media_it_replaces_when_forced(sqlite_backup, target, tmp_path):
    folder, _manifest = sqlite_backup
    old = tmp_path / "media" / "private" / "old.pdf"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"before the restore")

    with pytest.raises(backups.BackupError, match=r"MEDIA_ROOT holds files \(private\)"):
        backups.restore(folder, connection=target, media_root=tmp_path / "media")
    restored = backups.restore(folder, connection=target, media_root=tmp_path / "media",
                               force=True)

    assert not old.exists()
    assert (restored.set_aside / "private" / "old.pdf").read_bytes() == b"before the restore"
    assert _media(tmp_path / "media") == _media(settings.MEDIA_ROOT)


@sqlite_only
@pytest.mark.parametrize("damaged", ["database.sqlite3", backups.MEDIA_ARCHIVE])
def test_restore_refuses_a_damaged_archive_before_touching_anything(sqlite_backup, target,
                                                                     tmp_path, damaged):
    folder, _manifest = sqlite_backup
    with open(folder / damaged, "r+b") as handle:
        handle.seek(600)
        byte = handle.read(1)
        handle.seek(600)
        handle.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(backups.BackupError, match="damaged"):
        backups.restore(folder, connection=target, media_root=tmp_path / "media")
    target.ensure_connection()
    assert _rows(target.connection) == {}
    assert not (tmp_path / "media").exists()


@sqlite_only
def test_restore_keeps_the_live_media_when_a_file_differs_from_the_manifest(
        sqlite_backup, target, tmp_path):
    folder, manifest = sqlite_backup
    manifest["media"][0]["sha256"] = "0" * 64
    (folder / backups.MANIFEST).write_text(json.dumps(manifest))

    with pytest.raises(backups.BackupError, match=manifest["media"][0]["path"]):
        backups.restore(folder, connection=target, media_root=tmp_path / "media")
    assert _media(tmp_path / "media") == {}
    assert [path.name for path in (tmp_path / "media").iterdir()] == []


def _entry(name, kind=tarfile.REGTYPE, linkname="", content=b"owned"):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    info.size = len(content) if info.isreg() else 0
    return info, io.BytesIO(content) if info.isreg() else None


@sqlite_only
@pytest.mark.parametrize("name, kind, linkname", [
    ("../../outside.txt", tarfile.REGTYPE, ""),
    ("private/../../../outside.txt", tarfile.REGTYPE, ""),
    ("public/../../../outside.txt", tarfile.REGTYPE, ""),
    ("{outside}", tarfile.REGTYPE, ""),
    ("private/link", tarfile.SYMTYPE, "../../../outside.txt"),
    ("private/hard", tarfile.LNKTYPE, "{outside}"),
    ("private/fifo", tarfile.FIFOTYPE, ""),
    ("settings.py", tarfile.REGTYPE, ""),
], ids=["dotdot", "private-dotdot", "public-dotdot", "absolute", "symlink", "hardlink", "fifo",
        "outside-the-stores"])
def test_a_crafted_media_archive_cannot_write_outside_media_root(sqlite_backup, target,
                                                                 tmp_path, name, kind, linkname):
    """The archive and its manifest are both the attacker's: the manifest lists the entry and
    both checksums match, so only the entry's path and type can refuse it, before anything
    is written (the database included, although ``force`` is given)."""
    folder, manifest = sqlite_backup
    outside = tmp_path / "outside.txt"
    name, linkname = name.format(outside=outside), linkname.format(outside=outside)
    archive = folder / backups.MEDIA_ARCHIVE
    archive.unlink()
    with tarfile.open(archive, "w") as crafted:
        crafted.addfile(*_entry("private/fine.pdf", content=b"%PDF fine"))
        crafted.addfile(*_entry(name, kind, linkname))
    manifest["media"] = [
        {"path": path, "sha256": hashlib.sha256(content).hexdigest()}
        for path, content in (("private/fine.pdf", b"%PDF fine"), (name, b"owned"))]
    manifest["media_archive"]["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
    (folder / backups.MANIFEST).write_text(json.dumps(manifest))
    target.ensure_connection()
    target.connection.execute("CREATE TABLE kept (note TEXT)")

    with pytest.raises(backups.BackupError, match="unsafe entry"):
        backups.restore(folder, connection=target, media_root=tmp_path / "media", force=True)

    assert not outside.exists() and not (tmp_path / "settings.py").exists()
    assert not (tmp_path / "media").exists()
    assert _rows(target.connection) == {"kept": []}


@sqlite_only
def test_a_failed_backup_leaves_no_folder_behind(tmp_path, monkeypatch):
    def fails(connection, path):
        path.write_bytes(b"half a database")
        raise OSError("disk full")

    monkeypatch.setattr(backups, "_copy_sqlite", fails)
    with pytest.raises(OSError, match="disk full"):
        backups.backup(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []
