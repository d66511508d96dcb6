"""Every account's ``canonical_email`` recomputed under the rules of December 2026.

``ozgeris.emails.canonical_email`` used to fold only case and Gmail; it now also folds Unicode
compatibility spellings, IDNA, quoting, ``+tags`` at every domain and the shared namespaces of
Yandex, Proton, iCloud and Fastmail (its docstring). Stored forms of the old rules would let
the new spellings of an existing mailbox sign up again, so they are recomputed here.

The rules are copied into this file, not imported: a migration must do tomorrow what it does
today, and ``ozgeris.emails`` will change again. When it does, the forms stored by this
migration drift from the live function; ``manage.py canonical_email_collisions`` lists such
accounts, ``tests/test_canonical_email_spellings.py`` fails until the copy here and the live
function agree again, and the change brings its own migration with its own copy.

``canonical_email`` is unique and two existing accounts may now fold to one form. No account is
deleted or merged here: the account that already holds the new form keeps it, otherwise the
earliest account (lowest pk) takes it; every other account keeps its old form (still unique,
and it still signs in, since allauth also finds an account by its address as written). Each of
those is printed by its pk and written to the audit log (``account.canonical_email_collision``)
for staff to review with ``manage.py canonical_email_collisions``.

An unsubscribe (``MailOptOut``) is kept as the hash of the canonical address: an account's
unsubscribe under its old form is copied to its new one, so that it is not mailed again.
Addresses that are not accounts' (meeting participants) cannot be mapped: the list keeps only
hashes.

Backwards, the forms are recomputed under the rules before (lower case, Gmail's dots and
``+tag``): the code of that time finds an account by that form. The rules only ever merged
more, so the old forms of distinct accounts never collide; the copied unsubscribes stay.
"""

import hashlib
import re
import unicodedata

from django.db import migrations

# --- the rules as of this migration: a copy of ozgeris.emails.canonical_email -------------

DOMAIN_ALIASES = {
    **dict.fromkeys(["gmail.com", "googlemail.com"], "gmail.com"),
    **dict.fromkeys(["yandex.ru", "yandex.kz", "yandex.com", "yandex.by", "yandex.ua", "ya.ru",
                     "narod.ru"], "yandex.ru"),
    **dict.fromkeys(["proton.me", "protonmail.com", "protonmail.ch", "pm.me"], "proton.me"),
    **dict.fromkeys(["icloud.com", "me.com", "mac.com"], "icloud.com"),
}
SUBDOMAIN_ADDRESSING = {"fastmail.com"}
LOGIN_FOLDS = {"gmail.com": (".", ""), "yandex.ru": (".", "-"), "proton.me": (".-_", "")}
MAX_LENGTH = 254
DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
                      r"(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+)*")
IDNA_DOTS = str.maketrans({"\u3002": ".", "\uff61": "."})


def folded(text):
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).strip()


def ascii_domain(domain):
    labels = []
    for label in domain.translate(IDNA_DOTS).rstrip(".").split("."):
        if any(ch.isspace() for ch in label):  # no mail domain has a space (kept with 0013)
            labels.append(label)
            continue
        try:
            if label.startswith("xn--"):
                label = folded(label.encode("ascii").decode("idna"))
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            labels.append(label)
    return ".".join(labels)


def canonical_email(address):
    address = folded(address or "")
    local, sep, domain = address.rpartition("@")
    if not (sep and local and domain):
        return address
    if len(local) >= 2 and local[0] == local[-1] == '"':
        local = re.sub(r"\\(.)", r"\1", local[1:-1])
    domain = ascii_domain(domain)
    head, _, parent = domain.partition(".")
    if parent in SUBDOMAIN_ADDRESSING and head:
        local, domain = head, parent
    domain = DOMAIN_ALIASES.get(domain, domain)
    if "+" in local[1:]:
        local = local[0] + local[1:].split("+", 1)[0]
    characters, replacement = LOGIN_FOLDS.get(domain, ("", ""))
    login = local
    for character in characters:
        login = login.replace(character, replacement)
    login = login or local
    if not DOT_ATOM.fullmatch(login):
        login = '"' + login.replace("\\", "\\\\").replace('"', '\\"') + '"'
    form = f"{login}@{domain}"
    if len(form) > MAX_LENGTH:
        return f"sha256:{hashlib.sha256(form.encode()).hexdigest()}"
    return form


def canonical_email_before(address):
    """The rules before this migration (lower case; Gmail's dots and ``+tag``)."""
    address = (address or "").strip().lower()
    local, sep, domain = address.rpartition("@")
    if not sep:
        return address
    if domain in ("gmail.com", "googlemail.com"):
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


# --- recomputing without breaking uniqueness ----------------------------------------------

def plan(accounts, fold):
    """What to store for ``accounts`` [(pk, email, stored form)] under ``fold``.

    Returns ``(moves, collisions)``: ``moves`` [(pk, old form, new form)] in an order in which
    each update finds its new form free; ``collisions`` [(pk, wanted form, holder's pk)] for the
    accounts that keep their old form. A form is taken by the account that holds it already,
    else by the lowest pk that wants it; a form another account gives up is free only from the
    next pass, so that a lower pk waiting for it gets it."""
    stored = {pk: form for pk, _, form in accounts}
    wanted = {pk: fold(email) for pk, email, _ in accounts}
    holder = {form: pk for pk, form in stored.items()}
    waiting = sorted(pk for pk in stored if wanted[pk] != stored[pk])
    moves = []
    while True:
        held_at_start = set(holder)
        moved = set()
        for pk in waiting:
            form = wanted[pk]
            if form in held_at_start or form in holder:
                continue
            del holder[stored[pk]]
            holder[form] = pk
            moves.append((pk, stored[pk], form))
            stored[pk] = form
            moved.add(pk)
        if not moved:
            break
        waiting = [pk for pk in waiting if pk not in moved]
    return moves, [(pk, wanted[pk], holder[wanted[pk]]) for pk in waiting]


def address_hash(form):
    return hashlib.sha256(form.encode()).hexdigest()


def recompute(apps, fold, *, before=None):
    """Store ``fold``'s forms; report collisions; copy unsubscribes from ``before``'s forms."""
    User = apps.get_model("ozgeris", "User")
    accounts = list(User.objects.order_by("pk").values_list("pk", "email", "canonical_email"))
    moves, collisions = plan(accounts, fold)
    for pk, _, form in moves:
        User.objects.filter(pk=pk).update(canonical_email=form)
    if collisions:
        report_collisions(apps, collisions)
    if before is not None:
        copy_unsubscribes(apps, [(before(email), fold(email)) for _, email, _ in accounts])
    return moves, collisions


def report_collisions(apps, collisions):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("ozgeris", "AuditEvent")
    user_type, _ = ContentType.objects.get_or_create(app_label="ozgeris", model="user")
    for pk, _, holder in collisions:
        # Account numbers only: the migration's output goes to deployment logs.
        print(f"\n  canonical_email: account {pk} keeps its old form; its mailbox's form "
              f"belongs to account {holder} (manage.py canonical_email_collisions)")
    AuditEvent.objects.bulk_create(
        AuditEvent(action="account.canonical_email_collision", content_type=user_type,
                   object_id=str(pk), object_repr=f"#{pk}", details={"form_held_by": holder})
        for pk, _, holder in collisions)


def copy_unsubscribes(apps, forms):
    MailOptOut = apps.get_model("ozgeris", "MailOptOut")
    renamed = {address_hash(old): address_hash(new) for old, new in forms if old != new}
    unsubscribed = MailOptOut.objects.filter(address_hash__in=renamed).values_list(
        "address_hash", flat=True)
    MailOptOut.objects.bulk_create(
        [MailOptOut(address_hash=renamed[old]) for old in unsubscribed], ignore_conflicts=True)


def forwards(apps, schema_editor):
    recompute(apps, canonical_email, before=canonical_email_before)


def backwards(apps, schema_editor):
    recompute(apps, canonical_email_before)


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ozgeris", "0012_outbox_headers"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
