"""Backups of the database and the media, and the way back (``manage.py backup`` / ``restore``).

A backup is one folder that only its owner may read (the folder 0700, every file 0600); it holds
personal data, so it leaves the host encrypted (README, "Operations: backups")::

    ozgeris-backup-20250101T020000Z/
        manifest.json      what is inside and how to check it
        database.dump      PostgreSQL: pg_dump's custom format
        database.sqlite3   or SQLite: a copy made with SQLite's backup API
        media.tar          MEDIA_ROOT/private and MEDIA_ROOT/public (ozgeris/storage.py)

The manifest records the date, the database vendor, the SHA-256 of both archives, the
migrations applied per app, the head of each programme's vote ledger, every media file with its
SHA-256, and the files that rows name but the media lacked (``missing_files``).

**Taken while the portal serves.** On PostgreSQL this module opens a repeatable-read
transaction, exports its snapshot and hands it to pg_dump (``--snapshot``), then reads the
manifest's facts in that same snapshot: the ledger heads and the files the rows name are
exactly the dump's. On SQLite the backup API copies the database in one step and the facts are
read from the copy. The media is copied after the database: a file is on disk before the row
that names it commits, so every file a row of the dump names is there, unless it was deleted in
between (it is then listed under ``missing_files``).

**Restore** checks before it touches anything: the manifest, that this code knows every
migration the backup's database had (a backup made by newer code is refused), both archives'
SHA-256, and every
entry of the media archive (a regular file under ``private/`` or ``public/``, with no absolute
path and no ``..``: a crafted archive cannot write outside MEDIA_ROOT), and that the database
holds no tables and the media folders no files (unless ``force``). Then the database:
on PostgreSQL pg_restore's script runs through psql in one transaction together with the
dropping of what was there (``force``), so a failed restore leaves the database as it was; the
custom format loads the data before it creates the triggers, so the vote's window and
insert-only triggers do not fire on the restored rows and guard them afterwards. Objects are
owned by the role that restores (the owner role) and no privileges are restored: run
``grant_runtime_role`` afterwards. Then the media, into a staging folder inside MEDIA_ROOT whose
files are read back and checked against the manifest's SHA-256 before they replace the live
folders (the previous ones are kept aside, never deleted). Last, the restored database must have
the manifest's migrations and ledger heads.

The spine must not import the apps (tests/test_architecture.py): the ledger's table is looked
up by name in Django's app registry, for plain SQL that also runs on pg_dump's snapshot.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
STORES = ("private", "public")


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why."""


@dataclass
class Restored:
    manifest: dict
    media_files: int
    set_aside: Path | None  # where the media folders that were replaced now are


def _sha256(path):
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _private_file(path):
    """A new file only its owner can read (never an existing file, never through a link)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600),
                     "wb")


# Backing up

def backup(output, *, connection=None, media_root=None):
    """Write a new backup folder inside ``output``. Returns (folder, manifest). A failed backup
    leaves no folder behind, so a folder that exists is complete."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    created = datetime.now(UTC)
    Path(output).mkdir(parents=True, exist_ok=True)
    folder = Path(output) / f"ozgeris-backup-{created:%Y%m%dT%H%M%SZ}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError as exists:
        raise BackupError(f"{folder} already exists; wait a second and run it again.") from exists
    try:
        database_file = folder / DATABASE_FILES[connection.vendor]
        if connection.vendor == "postgresql":
            facts = _dump_postgresql(connection, database_file)
        else:
            facts = _copy_sqlite(connection, database_file)
        media = _archive_media(media_root, folder / MEDIA_ARCHIVE)
        archived = {entry["path"] for entry in media}
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "database": {"vendor": connection.vendor, **_describe(database_file)},
            "media_archive": _describe(folder / MEDIA_ARCHIVE),
            "migrations": facts["migrations"],
            "ledger_heads": facts["ledger_heads"],
            "media": media,
            "missing_files": sorted(set(facts["named_files"]) - archived),
        }
        with _private_file(folder / MANIFEST) as handle:
            handle.write(json.dumps(manifest, indent=1, ensure_ascii=False).encode())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, manifest


def _describe(path):
    return {"file": path.name, "size": path.stat().st_size, "sha256": _sha256(path)}


def _postgres_env(connection):
    """The libpq environment of pg_dump, pg_restore and psql: Django's own mapping (password,
    SSL, service, passfile) plus the host, port, user and database."""
    settings_dict = connection.settings_dict
    _args, env = connection.client.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(env or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run_tool(args, **kwargs):
    try:
        return subprocess.Popen(args, **kwargs)  # noqa: S603 (fixed programs, no shell)
    except FileNotFoundError as missing:
        raise BackupError(f"{args[0]} is missing: install the PostgreSQL client tools "
                          "(apt-get install postgresql-client).") from missing


def _dump_postgresql(connection, path):
    """pg_dump in its custom format, in a snapshot exported here, in which the manifest's facts
    are read while pg_dump runs (the transaction stays open until it is done)."""
    raw = connection.Database.connect(**connection.get_connection_params())
    try:
        raw.autocommit = True
        cursor = raw.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        with _private_file(path) as handle, tempfile.TemporaryFile() as errors:
            dump = _run_tool(["pg_dump", "--format=custom", "--no-password",
                              f"--snapshot={snapshot}"],
                             stdout=handle, stderr=errors, env=_postgres_env(connection))
            try:
                facts = _facts(cursor, connection.ops.quote_name)
            finally:
                dump.wait()
            if dump.returncode:
                errors.seek(0)
                raise BackupError("pg_dump failed: " + errors.read().decode(errors="replace"))
        cursor.execute("COMMIT")
    finally:
        raw.close()
    return facts


def _copy_sqlite(connection, path):
    """SQLite's backup API, in one step: a consistent copy even while the portal writes."""
    _private_file(path).close()
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        connection.connection.backup(copy)
        return _facts(copy.cursor(), connection.ops.quote_name)
    finally:
        copy.close()


def _facts(cursor, quote):
    """What the manifest says of the database, read with plain SQL on a DB-API cursor (of
    pg_dump's snapshot or SQLite's copy): the migrations applied per app, the head of each
    programme's vote ledger, and the media paths the rows name."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    migrations = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    return {"migrations": migrations, "ledger_heads": _ledger_heads(cursor, quote),
            "named_files": sorted(_named_files(cursor, quote))}


def _ledger_heads(cursor, quote):
    try:
        entry = apps.get_model("voting", "LedgerEntry")
    except LookupError:
        return []
    programme = entry._meta.get_field("programme").related_model
    table, programme_id = quote(entry._meta.db_table), quote(
        entry._meta.get_field("programme").column)
    cursor.execute(  # names from the models, quoted
        f"SELECT p.{quote('year')}, e.{quote('sequence')}, e.{quote('leaf')} "  # noqa: S608
        f"FROM {table} e JOIN {quote(programme._meta.db_table)} p ON p.id = e.{programme_id} "
        f"WHERE e.{quote('sequence')} = (SELECT MAX(x.{quote('sequence')}) FROM {table} x "
        f"WHERE x.{programme_id} = e.{programme_id}) ORDER BY 1")
    return [{"programme": year, "sequence": sequence, "digest": leaf}
            for year, sequence, leaf in cursor.fetchall()]


def _named_files(cursor, quote):
    """"private/…" and "public/…" paths that file fields name."""
    paths = set()
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.local_concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            store = getattr(field.storage, "subfolder", "")
            if store not in STORES:
                continue
            column = quote(field.column)
            cursor.execute(f"SELECT {column} FROM {quote(model._meta.db_table)} "  # noqa: S608
                           f"WHERE {column} IS NOT NULL AND {column} <> ''")
            paths.update(f"{store}/{name}" for (name,) in cursor.fetchall())
    return paths


def _archive_media(media_root, path):
    """Tar every regular file of the two stores (links are left out). Each file is read once,
    whole (uploads are at most UPLOAD_MAX_BYTES), so the archive holds the very bytes hashed
    even if a file changes meanwhile. Returns the manifest's list of files."""
    entries = []
    with _private_file(path) as handle, tarfile.open(fileobj=handle, mode="w",
                                                     format=tarfile.PAX_FORMAT) as archive:
        for store in STORES:
            for directory, subdirectories, names in os.walk(media_root / store):
                subdirectories.sort()
                for name in sorted(names):
                    file = Path(directory) / name
                    try:
                        if file.is_symlink() or not file.is_file():
                            continue
                        mtime, content = file.stat().st_mtime, file.read_bytes()
                    except FileNotFoundError:  # deleted since the folder was listed
                        continue
                    info = tarfile.TarInfo(file.relative_to(media_root).as_posix())
                    info.size, info.mtime, info.mode = len(content), int(mtime), 0o600
                    archive.addfile(info, io.BytesIO(content))
                    entries.append({"path": info.name, "size": info.size,
                                    "sha256": hashlib.sha256(content).hexdigest()})
    return entries


def ledger_head_lines(manifest):
    """The ledgers' heads a backup holds, one line each: what ``backup`` prints and ``restore``
    prints again, for the operator to compare (and ``verify_ledger`` to confirm)."""
    return [f"ledger {head['programme']}: position {head['sequence']}, "
            f"head digest {head['digest']}" for head in manifest["ledger_heads"]]


# Restoring

def read_manifest(folder):
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a backup folder: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: unknown backup format (this portal reads format {FORMAT}).")
    return manifest


def restore(folder, *, connection=None, media_root=None, force=False):
    """Restore a backup folder into the database and MEDIA_ROOT (the order and the checks are
    in the module's docstring). Returns a ``Restored``."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        vendor = manifest["database"]["vendor"]
        database_file = _checked_file(folder, manifest["database"])
        media_file = _checked_file(folder, manifest["media_archive"])
        expected = {entry["path"]: entry["sha256"] for entry in manifest["media"]}
    except (KeyError, TypeError) as incomplete:
        raise BackupError(f"{folder}: the manifest is incomplete ({incomplete}).") from incomplete
    if vendor != connection.vendor:
        raise BackupError(f"This backup holds a {vendor} database; the target is "
                          f"{connection.vendor}.")
    unknown = _migrations_unknown_here(manifest)
    if unknown:
        raise BackupError(
            f"This backup was made by newer code: its database has migrations this code does "
            f"not know ({', '.join(unknown[:5])}{', …' if len(unknown) > 5 else ''}). "
            "Restore it with the portal's version that made it.")
    _check_archive(media_file, expected)
    drop = _existing_objects(connection)
    occupied = [store for store in STORES if _holds_files(media_root / store)]
    if (drop or occupied) and not force:
        what = " and ".join(filter(None, [
            "the database holds tables" if drop else "",
            f"MEDIA_ROOT holds files ({', '.join(occupied)})" if occupied else ""]))
        raise BackupError(f"Refused: {what}. Restore into an empty database and media folder, "
                          "or pass --force to replace them.")
    if vendor == "postgresql":
        _restore_postgresql(connection, database_file, drop)
    else:
        _restore_sqlite(connection, database_file)
    _check_database(connection, manifest)
    set_aside = _restore_media(media_file, expected, media_root)
    return Restored(manifest, len(expected), set_aside)


def _migrations_unknown_here(manifest):
    """The migrations of installed apps that the backup's database had and this code does not:
    restored (rolling an upgrade back), the code would run on a schema newer than its own, and
    ``migrate`` would not say so."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    installed = {config.label for config in apps.get_app_configs()}
    try:
        recorded = [(app, name) for app, names in manifest["migrations"].items()
                    for name in names]
    except (AttributeError, KeyError, TypeError) as incomplete:
        raise BackupError(f"The manifest is incomplete ({incomplete}).") from incomplete
    return [f"{app}.{name}" for app, name in recorded
            if app in installed and (app, name) not in known]


def _checked_file(folder, entry):
    name = entry["file"]
    if not isinstance(name, str) or name in ("", ".", "..") or name != Path(name).name:
        raise BackupError(f"The manifest names an unexpected file: {name!r}.")
    path = folder / name
    if not path.is_file() or _sha256(path) != entry["sha256"]:
        raise BackupError(f"{path} is missing or damaged: its SHA-256 differs from the manifest.")
    return path


def member_path(member):
    """Where inside MEDIA_ROOT a media archive's entry may go (a relative path), or None: only
    regular files, only under ``private/`` or ``public/``, never absolute, never ``..``."""
    path = PurePosixPath(member.name)
    if (not member.isreg() or path.is_absolute() or len(path.parts) < 2
            or path.parts[0] not in STORES or ".." in path.parts):
        return None
    return path


def _check_archive(media_file, expected):
    """Refuse the whole archive if one entry is unsafe or it differs from the manifest's list."""
    names = []
    try:
        with tarfile.open(media_file) as archive:
            for member in archive:
                if member_path(member) is None:
                    raise BackupError(f"The media archive holds an unsafe entry, refused: "
                                      f"{member.name!r}.")
                names.append(member.name)
    except tarfile.TarError as exc:
        raise BackupError(f"The media archive cannot be read: {exc}") from exc
    if len(names) != len(set(names)) or set(names) != set(expected):
        raise BackupError("The media archive does not hold the files its manifest lists.")


def _holds_files(folder):
    return any(files for _, _, files in os.walk(folder))


# The objects Django's migrations make (tables, views, sequences, the vote's trigger functions)
# in the connection's schema, as DROP statements; not those an extension owns, nor the sequences
# of serial and identity columns (they go with their tables).
_DROP_STATEMENTS = """
SELECT format('DROP %s IF EXISTS %I.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW'
              WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
              n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
UNION ALL
SELECT format('DROP ROUTINE IF EXISTS %I.%I(%s) CASCADE', n.nspname, p.proname,
              pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
"""


def _existing_objects(connection):
    """What the target database holds: DROP statements on PostgreSQL, table names on SQLite
    (whose backup API replaces the whole file anyway). Empty when the database is empty."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_DROP_STATEMENTS)
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                           "AND name NOT LIKE 'sqlite%'")
        return [row[0] for row in cursor.fetchall()]


def _restore_postgresql(connection, dump, drop):
    """pg_restore writes the dump as SQL, which psql runs in one transaction after ``drop``.
    psql's input is closed only once pg_restore has succeeded: if pg_restore fails, psql is
    killed before it can commit, and the server rolls everything back."""
    env = _postgres_env(connection)
    connection.close()  # this process holds nothing on the database while it is replaced
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        command = ["psql", "--no-psqlrc", "--no-password", "--quiet", "--single-transaction",
                   "--set=ON_ERROR_STOP=1"]
        if drop:
            command += ["--command", ";\n".join(drop)]
        psql = _run_tool([*command, "--file=-"], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=psql_errors, env=env)
        script = _run_tool(["pg_restore", "--no-owner", "--no-privileges", "--file=-",
                            str(dump)], stdout=subprocess.PIPE, stderr=restore_errors, env=env)
        psql_stopped = False
        try:
            shutil.copyfileobj(script.stdout, psql.stdin)
        except BrokenPipeError:  # psql stopped at an error; its message says which
            psql_stopped = True
        finally:
            script.stdout.close()
            script.wait()
        if script.returncode and not psql_stopped:
            psql.kill()
            psql.wait()
            restore_errors.seek(0)
            raise BackupError("pg_restore failed, nothing was restored: "
                              + restore_errors.read().decode(errors="replace"))
        try:
            psql.stdin.close()
        except BrokenPipeError:
            pass
        if psql.wait():
            psql_errors.seek(0)
            raise BackupError("The restore failed and was rolled back: "
                              + psql_errors.read().decode(errors="replace"))


def _restore_sqlite(connection, copy):
    """SQLite's backup API, from the copy into the target: replaces the whole database."""
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _check_database(connection, manifest):
    """The restored database has the migrations and the ledger heads the manifest records."""
    with connection.cursor() as cursor:
        facts = _facts(cursor, connection.ops.quote_name)
    for key in ("migrations", "ledger_heads"):
        if facts[key] != manifest[key]:
            raise BackupError(f"The restored database's {key.replace('_', ' ')} differ from the "
                              "manifest's.")


def _restore_media(media_file, expected, media_root):
    """Extract into a staging folder inside MEDIA_ROOT, read every file back against the
    manifest's SHA-256, then swap the stores in; folders replaced are set aside (returned)."""
    media_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restoring-", dir=media_root)).resolve()
    try:
        with tarfile.open(media_file) as archive:
            for member in archive:
                path = member_path(member)
                if path is None:  # the archive changed since it was checked
                    raise BackupError(f"Refused to write {member.name!r}.")
                (staging / path).parent.mkdir(parents=True, exist_ok=True)
                with _private_file(staging / path) as handle:
                    shutil.copyfileobj(archive.extractfile(member), handle)
                if settings.FILE_UPLOAD_PERMISSIONS is not None:  # as the stores would write it
                    os.chmod(staging / path, settings.FILE_UPLOAD_PERMISSIONS)
        damaged = [path for path, digest in sorted(expected.items())
                   if _sha256(staging / path) != digest]
        if damaged:
            raise BackupError("These media files differ from the manifest, the media was not "
                              "restored: " + ", ".join(damaged))
        return _swap_in(staging, media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging, media_root):
    set_aside = None
    for store in STORES:
        live = media_root / store
        if live.exists() and _holds_files(live):
            if set_aside is None:
                set_aside = media_root / f".replaced-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
                set_aside.mkdir(mode=0o700)
            live.rename(set_aside / store)
        elif live.exists():
            shutil.rmtree(live)
        if (staging / store).exists():
            (staging / store).rename(live)
    return set_aside
