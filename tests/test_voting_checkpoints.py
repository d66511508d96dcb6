"""Signed checkpoints of the vote's ledger, kept outside the database: signing, the page and
the feed, the receipt, the observers' mail, and verify_ledger against kept copies catching a
ledger cut, rewritten, or checked against a forged checkpoint."""

import io
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from jury.models import JuryMember
from ozgeris import outbox
from ozgeris.models import OutboxMessage
from voting import checkpoints, ledger, results, services, tasks
from voting.models import Checkpoint, LedgerEntry, Vote, VoterLink, VotingSettings
from voting.visitors import ALMATY

from .factories import as_table_owner, close_vote

pytestmark = pytest.mark.django_db

# Any 32 bytes make an Ed25519 private key.
OPERATOR_KEY = "11" * 32
OTHER_KEY = "22" * 32


def verify(*args):
    out = io.StringIO()
    call_command("verify_ledger", "--programme", "2031", *args, stdout=out)
    return out.getvalue()


def only_the_kept_copy_fails(kept, match):
    """The tampered ledger verifies on its own (the attack the kept copies are for) and fails
    against the ``kept`` feed with an error matching ``match``; returns that error."""
    assert "The ledger verifies." in verify()
    with pytest.raises(CommandError, match=match) as failure:
        verify("--checkpoints", str(kept))
    return str(failure.value)


def keep_feed(client, tmp_path, name="kept.json"):
    """An observer saves the JSON feed as it is now."""
    path = tmp_path / name
    path.write_bytes(client.get(reverse("voting:checkpoints_json", args=[2031])).content)
    return path


def cut_the_tail(programme, keep):
    """Delete every vote after position ``keep`` with its ledger entry and link."""
    as_table_owner("voting_vote.voting_vote_insert_only",
                   "voting_ledgerentry.voting_ledgerentry_insert_only")
    entries = LedgerEntry.objects.filter(programme=programme, sequence__gt=keep)
    votes = list(entries.values_list("vote_id", flat=True))
    entries.delete()
    VoterLink.objects.filter(vote_id__in=votes).delete()
    Vote.objects.filter(pk__in=votes).delete()


def rewrite_a_vote(programme, position, finalist):
    """Change the choice of the vote at ``position`` and recompute every leaf after it and the
    published head digest: the chain is consistent again."""
    # The published head is fixed too (migration 0014).
    as_table_owner("voting_vote.voting_vote_insert_only",
                   "voting_ledgerentry.voting_ledgerentry_insert_only",
                   "voting_votingsettings.voting_votingsettings_head_fixed")
    entry = LedgerEntry.objects.get(programme=programme, sequence=position)
    Vote.objects.filter(pk=entry.vote_id).update(finalist=finalist)
    previous = ledger.GENESIS
    for entry in LedgerEntry.objects.filter(programme=programme).select_related("vote"):
        previous = ledger.leaf(previous, entry.vote)
        LedgerEntry.objects.filter(pk=entry.pk).update(leaf=previous)
    VotingSettings.objects.filter(programme=programme, head_published_at__isnull=False).update(
        head_digest=previous)


# Signing

def test_a_checkpoint_signs_the_head_and_its_signature_verifies_with_the_public_key(
        finalists, cast, settings):
    settings.VOTE_CHECKPOINT_KEY = OPERATOR_KEY
    programme = finalists[0].programme
    cast(finalists[0], 2)

    checkpoint = checkpoints.make_checkpoint(programme)

    head = ledger.head(programme)
    assert (checkpoint.sequence, checkpoint.digest, checkpoint.final) == (2, head.leaf, False)
    text = checkpoints.statement_of(checkpoint, 2031)
    assert text == ("ozgeris-ustasy checkpoint v1\nprogramme: 2031\nposition: 2\n"
                    f"digest: {head.leaf}\n"
                    f"signed_at: {checkpoint.signed_at.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
                    "final: no\n")
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(
        checkpoints.signing_key().public_hex))
    public.verify(bytes.fromhex(checkpoint.signature), text.encode())  # raises if it does not
    assert not checkpoints.signature_holds(
        checkpoints.signing_key().public_raw, text.replace("position: 2", "position: 1"),
        checkpoint.signature)
    assert checkpoint.key_id == checkpoints.key_id(bytes.fromhex(
        checkpoints.signing_key().public_hex))


def test_a_checkpoint_is_made_only_when_the_head_moved(finalists, cast):
    programme = finalists[0].programme
    assert checkpoints.make_checkpoint(programme) is None  # nothing sealed yet
    cast(finalists[0])
    assert checkpoints.make_checkpoint(programme) is not None
    assert checkpoints.make_checkpoint(programme) is None
    cast(finalists[1])

    assert tasks.make_checkpoints() == 1
    assert list(Checkpoint.objects.filter(programme=programme).values_list("sequence", flat=True)
                ) == [1, 2]


def test_the_development_key_is_said_and_production_refuses_without_a_key(
        finalists, cast, settings):
    programme = finalists[0].programme
    cast(finalists[0])
    settings.VOTE_CHECKPOINT_KEY = ""
    assert checkpoints.signing_key().development

    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="VOTE_CHECKPOINT_KEY must be set"):
        checkpoints.make_checkpoint(programme)
    assert not Checkpoint.objects.filter(programme=programme).exists()
    settings.VOTE_CHECKPOINT_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured, match="32-byte"):
        checkpoints.make_checkpoint(programme)
    settings.VOTE_CHECKPOINT_KEY = OPERATOR_KEY
    assert not checkpoints.signing_key().development
    assert checkpoints.make_checkpoint(programme) is not None


def test_closing_the_vote_signs_the_final_checkpoint_over_the_published_head(finalists, cast):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    checkpoints.make_checkpoint(programme)
    close_vote(programme)

    published = results.publish_head(programme)
    results.publish_head(programme)  # once

    final = Checkpoint.objects.get(programme=programme, final=True)
    assert (final.sequence, final.digest) == (published.head_sequence, published.head_digest)
    assert "final: yes" in checkpoints.statement_of(final, 2031)
    assert tasks.make_checkpoints() == 0
    assert Checkpoint.objects.filter(programme=programme).count() == 2


@pytest.mark.postgres
def test_postgresql_refuses_to_change_delete_or_truncate_a_checkpoint(finalists, cast):
    cast(finalists[0])
    checkpoint = checkpoints.make_checkpoint(finalists[0].programme)
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.filter(pk=checkpoint.pk).update(digest="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.filter(pk=checkpoint.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ozgeris.allow_truncate = off")  # on for the tests' flush
        cursor.execute("TRUNCATE voting_checkpoint")


# Mail

def test_each_checkpoint_is_mailed_to_the_jurors_and_staff_in_their_language(
        finalists, cast, make_user, staff, voter, settings):
    settings.VOTE_CHECKPOINT_KEY = OPERATOR_KEY
    programme = finalists[0].programme
    juror = make_user(email="juror@example.kz", preferred_language="kk")
    JuryMember.objects.create(programme=programme, user=juror, affiliation="Fund")
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    cast(finalists[0])

    checkpoint = checkpoints.make_checkpoint(programme)

    queued = {message.to[0]: message for message in
              OutboxMessage.objects.filter(purpose="voting:checkpoint")}
    assert {"juror@example.kz", "staff@example.kz"} <= set(queued)
    assert voter.email not in queued and "v0@example.kz" not in queued
    assert (queued["juror@example.kz"].language, queued["staff@example.kz"].language) == (
        "kk", "en")
    mail.outbox.clear()
    outbox.drain()
    sent = {message.to[0]: message for message in mail.outbox}
    english, kazakh = sent["staff@example.kz"], sent["juror@example.kz"]
    assert english.subject == "Award 2031: a checkpoint of the vote's ledger at position 1"
    assert "Сыйлық 2031" in kazakh.subject and "бақылау нүктесі" in kazakh.subject
    for message in (english, kazakh):
        assert checkpoints.statement_of(checkpoint, 2031) in message.body
        assert checkpoint.signature in message.body
        assert checkpoints.signing_key().public_hex in message.body
        assert message.body.count("/vote/2031/checkpoints/") == 1
    assert "Please keep this email" in english.body


def test_observers_get_the_first_checkpoint_of_each_day_and_the_final_one_by_mail(
        finalists, cast, staff, time_machine):
    programme = finalists[0].programme
    mailed = OutboxMessage.objects.filter(purpose="voting:checkpoint", to=[staff.email])
    start = timezone.localtime().replace(hour=10, minute=0)  # Almaty; far from midnight
    time_machine.move_to(start, tick=False)
    cast(finalists[0])
    checkpoints.make_checkpoint(programme)
    time_machine.move_to(start + timedelta(minutes=61), tick=False)
    cast(finalists[1])
    made = checkpoints.make_checkpoint(programme)
    assert made is not None and mailed.count() == 1  # the same day: on the page only

    time_machine.move_to(start + timedelta(days=1), tick=False)
    cast(finalists[2])
    checkpoints.make_checkpoint(programme)
    assert mailed.count() == 2


# The page, the feed and the receipt

def test_the_page_and_the_feed_publish_every_checkpoint_with_the_key(client, finalists, cast):
    programme = finalists[0].programme
    cast(finalists[0])
    first = checkpoints.make_checkpoint(programme)
    cast(finalists[1])
    second = checkpoints.make_checkpoint(programme)

    page = client.get(reverse("voting:checkpoints", args=[2031]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert first.digest in html and second.signature in html
    assert "Development key" in html
    assert checkpoints.signing_key().public_hex in html
    russian = client.get(reverse("voting:checkpoints", args=[2031]), HTTP_ACCEPT_LANGUAGE="ru")
    assert "Подписанные контрольные точки журнала" in russian.content.decode()

    feed = client.get(reverse("voting:checkpoints_json", args=[2031])).json()
    assert feed["public_key"] == checkpoints.signing_key().public_hex
    assert feed["development_key"] is True
    assert feed["format"] == "ozgeris-ustasy checkpoint v1"
    assert [(item["position"], item["digest"], item["signature"]) for item in
            feed["checkpoints"]] == [(1, first.digest, first.signature),
                                     (2, second.digest, second.signature)]
    item = feed["checkpoints"][1]
    assert item["statement"] == feed["statement"].format(
        programme=2031, position=2, digest=second.digest, signed_at=item["signed_at"],
        final="no")
    assert client.get(reverse("voting:checkpoints", args=[1990])).status_code == 404


def test_the_page_is_paginated(client, finalists, cast):
    programme = finalists[0].programme
    for _ in range(51):
        cast(finalists[0])
        checkpoints.make_checkpoint(programme)

    first_page = client.get(reverse("voting:checkpoints", args=[2031]))
    second_page = client.get(reverse("voting:checkpoints", args=[2031]), {"page": 2})

    assert len(first_page.context["page"].object_list) == 50
    assert [c.sequence for c in second_page.context["page"].object_list] == [1]
    feed = client.get(reverse("voting:checkpoints_json", args=[2031])).json()
    assert len(feed["checkpoints"]) == 51


def test_the_receipt_shows_the_first_checkpoint_that_includes_the_vote(client, finalists, cast):
    programme = finalists[0].programme
    early = cast(finalists[0])[0].receipt
    first = checkpoints.make_checkpoint(programme)
    middle = cast(finalists[1])[0].receipt
    cast(finalists[2])
    second = checkpoints.make_checkpoint(programme)
    late = cast(finalists[0])[0].receipt

    assert services.check_receipt(early).checkpoint == first
    assert services.check_receipt(middle).checkpoint == second
    assert services.check_receipt(late).checkpoint is None
    page = client.get(reverse("voting:receipt"), {"code": middle}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Included in the checkpoint signed on" in html and "at position 3" in html
    assert second.digest in html and first.digest not in html
    assert reverse("voting:checkpoints", args=[2031]) in html
    waiting = client.get(reverse("voting:receipt"), {"code": late}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The next signed checkpoint of the ledger will include this vote" in (
        waiting.content.decode())


def test_the_results_page_links_the_checkpoints(client, finalists, cast, staff):
    programme = finalists[0].programme
    cast(finalists[0])
    close_vote(programme)
    results.release_results(programme=programme, by=staff)

    page = client.get(reverse("voting:results", args=[2031])).content.decode()

    assert reverse("voting:checkpoints", args=[2031]) in page


# verify_ledger against kept checkpoints

def test_verify_ledger_passes_with_the_kept_checkpoints_of_an_honest_chain(
        client, finalists, cast, tmp_path):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    checkpoints.make_checkpoint(programme)
    during = keep_feed(client, tmp_path, "during.json")
    cast(finalists[1])
    close_vote(programme)
    results.publish_head(programme)
    after = keep_feed(client, tmp_path, "after.json")

    out = verify("--checkpoints", str(during), str(after))

    assert "kept checkpoints checked: 3" in out
    assert "The ledger verifies." in out


def test_verify_ledger_fails_when_the_tail_was_cut_after_a_checkpoint(
        client, finalists, cast, tmp_path):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    cast(finalists[1], 2)
    checkpoint = checkpoints.make_checkpoint(programme)  # at position 4
    kept = keep_feed(client, tmp_path)

    cut_the_tail(programme, keep=2)

    message = only_the_kept_copy_fails(
        kept, "position 4 is not in the chain, which ends at position 2")
    assert timezone.localtime(checkpoint.signed_at, ALMATY).strftime("%d.%m.%Y %H:%M:%S") \
        in message  # shown in Almaty time
    assert "the ledger was cut" in message


def test_verify_ledger_fails_when_a_vote_was_rewritten_and_the_chain_recomputed(
        client, finalists, cast, tmp_path):
    programme = finalists[0].programme
    cast(finalists[0], 3)
    close_vote(programme)
    results.publish_head(programme)  # the final checkpoint, at position 3
    kept = keep_feed(client, tmp_path)

    rewrite_a_vote(programme, 2, finalists[1])

    assert results.tally(programme, fresh=True) == {finalists[0].pk: 2, finalists[1].pk: 1}
    # The final checkpoint stored in the database already names the rewritten head...
    with pytest.raises(CommandError, match="is not the one the final checkpoint signed"):
        verify()
    # ...so the attacker deletes the stored checkpoints as well: only a kept copy tells.
    as_table_owner("voting_checkpoint.voting_checkpoint_insert_only")
    Checkpoint.objects.filter(programme=programme).delete()
    only_the_kept_copy_fails(kept, "position 3: the chain recomputed from the votes gives .* "
                                   "the ledger was rewritten")


def test_verify_ledger_fails_on_a_kept_checkpoint_whose_signature_was_altered(
        client, finalists, cast, tmp_path):
    programme = finalists[0].programme
    cast(finalists[0], 2)
    checkpoints.make_checkpoint(programme)
    kept = keep_feed(client, tmp_path)
    feed = json.loads(kept.read_text())
    signature = feed["checkpoints"][0]["signature"]
    feed["checkpoints"][0]["signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    kept.write_text(json.dumps(feed))

    with pytest.raises(CommandError, match="position 2.*the signature does not match"):
        verify("--checkpoints", str(kept))


def test_verify_ledger_trusts_only_the_portals_key_or_one_given(
        client, finalists, cast, tmp_path, settings):
    """A checkpoint signed with a key the portal no longer uses passes only when that key is
    given; one made with any other key is refused even if it names a key of its own."""
    settings.VOTE_CHECKPOINT_KEY = OPERATOR_KEY
    programme = finalists[0].programme
    cast(finalists[0])
    checkpoints.make_checkpoint(programme)
    kept = keep_feed(client, tmp_path)
    old_public = checkpoints.signing_key().public_hex
    old_pem = tmp_path / "old-key.pem"
    old_pem.write_text(checkpoints.signing_key().public_pem)
    settings.VOTE_CHECKPOINT_KEY = OTHER_KEY

    with pytest.raises(CommandError, match="neither the portal's key nor one given"):
        verify("--checkpoints", str(kept))
    assert "The ledger verifies." in verify("--checkpoints", str(kept), "--public-key",
                                            old_public)
    assert "The ledger verifies." in verify("--checkpoints", str(kept), "--public-key",
                                            str(old_pem))
