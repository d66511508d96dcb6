"""The outreach part of ``seed_demo``: the 2019 outreach as the final grant report records it.

Seven information meetings with rosters of the sizes the report gives per city (155 people,
though the text says 140), the posts and the FAQ, the two promo videos and their reach, the
programme's own channels, the mailings, the 22 letters and their answers, the 15 press items,
the 10 partner meetings, the 30 videos of the vote and the posts about it, the ceremony of 15
November with its 200 guests, feedback and fair, and a certificate and a 500,000-tenge
contract for every winner.

Facts come from ``events-2019.json`` beside this file (the project's own copy, with the
report's line numbers; what the report does not give is null there, and what the demo fills
in is marked "reconstructed"). Figures are recorded as what happened (a roster entry per
participant, a snapshot per reach figure), never as stored totals; a record the report only
counts (photos, testimonials) is counted evidence with its appendix, not an invented file.
Rosters, guest lists, certificates and contracts go through ``events.services``.

Idempotent: each part runs only when its records are missing, so a second run changes
nothing. The voting step (order 30) runs first and declares the winners.
"""

import json
from datetime import date
from functools import cache
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from ozgeris.demo.programme import almaty
from ozgeris.demo.programme import facts as programme_facts
from ozgeris.models import AuditEvent, Programme, Region, User

from .. import services
from ..models import (
    Ceremony,
    Certificate,
    ChannelSnapshot,
    Contract,
    ContractTerms,
    EvidenceFile,
    FairExhibitor,
    FaqEntry,
    GuestCategory,
    GuestFeedback,
    InfoMeeting,
    Letter,
    LetterAnswer,
    MailingCampaign,
    ParticipantCategory,
    PartnerAgreement,
    PartnerMeeting,
    Publication,
    Video,
    VideoReach,
)
from ..validators import iban_checksum_ok

DATA_FILE = Path(__file__).with_name("events-2019.json")
YEAR = 2019


@cache
def facts():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _day(value):
    return date.fromisoformat(value) if value else None



def _source(item, text=""):
    """The notes of a record: where the report says it."""
    lines = item.get("line")
    where = f"Отчёт 2019, строка {lines}" if lines else "Отчёт 2019"
    return f"{where}. {text}".strip()


def _staff():
    return User.objects.get(email=programme_facts()["demo_accounts"]["staff"]["email"])


def seed(*, log=print):
    data = facts()
    programme = Programme.objects.get(year=YEAR)
    staff = _staff()
    done = []
    with transaction.atomic():
        for name, part in [("meetings", _meetings), ("online", _online),
                           ("letters", _letters), ("partner meetings", _partner_meetings),
                           ("videos", _voting_videos), ("vote posts", _vote_posts),
                           ("ceremony", _ceremony)]:
            if part(programme, data, staff):
                done.append(name)
        certificates, contracts = _winners(programme, data, staff)
    log(f"events {YEAR}: " + "; ".join([
        ", ".join(done) + " recorded" if done else "outreach already recorded",
        f"{certificates} certificates, {contracts} contracts added",
    ]))


def _evidence(record, kind, info, title, activity=""):
    return EvidenceFile(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk, kind=kind,
        activity=activity, title=title, count=info.get("count", 1),
        archive_reference=f"{info['appendix']} к отчёту 2019 (строка {info['line']})",
        appendix=info["appendix"])


# ---------------------------------------------------------------------------
# Information meetings, their posts, the FAQ
# ---------------------------------------------------------------------------

def _meetings(programme, data, staff):
    if InfoMeeting.objects.filter(programme=programme).exists():
        return False
    info = data["info_meetings"]
    regions = {r.code: r for r in Region.objects.filter(
        code__in=[m["region"] for m in info["items"]])}
    agenda = "\n".join(info["agenda"]["items"])
    meetings = {}
    for item in info["items"]:
        meeting = InfoMeeting.objects.create(
            programme=programme, city=item["city"], city_kk=item.get("city_kk", ""),
            city_en=item.get("city_en", ""), region=regions[item["region"]],
            agenda=agenda, appendix=info["agenda"]["appendix"],
            notes=_source(item, f"Как в отчёте: {item['city_as_written']}. Дата в отчёте "
                                "не указана."))
        rows = [{"name": f"Участник №{n}, {item['city']}", "organisation": "",
                 "category": ParticipantCategory.OTHER, "contact": "", "consent": True}
                for n in range(1, item["participants"] + 1)]
        services.import_roster(meeting=meeting, rows=rows, by=staff)
        meetings[item["key"]] = meeting
    EvidenceFile.objects.bulk_create([
        _evidence(programme, EvidenceFile.Kind.PHOTO, info["photos"],
                  "Фотографии информационных встреч", EvidenceFile.Activity.MEETINGS),
        _evidence(programme, EvidenceFile.Kind.VIDEO, info["video_testimonials"],
                  "Видео-отзывы участников встреч", EvidenceFile.Activity.MEETINGS),
    ])
    posts = data["meeting_posts"]["items"]
    Publication.objects.bulk_create(
        Publication(programme=programme, kind=Publication.Kind.SOCIAL_POST,
                    platform=_platform(post["url"]), url=post["url"],
                    subject=post.get("subject") or Publication.Subject.MEETING,
                    meeting=meetings.get(post["meeting"]), appendix="Приложение №1",
                    notes=_source(post, _also(post, meetings)))
        for post in posts)
    FaqEntry.objects.bulk_create(
        FaqEntry(programme=programme, order=item["n"], question_ru=item["question_ru"],
                 question_kk=item["question_kk"], question_en=item["question_en"],
                 answer_ru=item["answer_ru"], answer_kk=item["answer_kk"],
                 answer_en=item["answer_en"])
        for item in data["faq"]["items"])
    for entry in FaqEntry.objects.filter(programme=programme):
        entry.asked_at.set(meetings.values())
    return True


def _also(post, meetings):
    others = [meetings[key].city for key in post["also_meetings"] if key in meetings]
    return f"Та же ссылка указана для встреч: {', '.join(others)}." if others else ""


def _platform(url):
    for marker, platform in (("instagram.com", "instagram"), ("facebook.com", "facebook"),
                             ("vk.com", "vk"), ("youtube.com", "youtube"),
                             ("youtu.be", "youtube")):
        if marker in url:
            return platform
    return "website"


# ---------------------------------------------------------------------------
# The online campaign: promo videos, their posts, channels, mailings, press
# ---------------------------------------------------------------------------

def _online(programme, data, staff):
    if Video.objects.filter(programme=programme, kind=Video.Kind.PROMO).exists():
        return False
    promo = data["promo_videos"]
    for item in promo["items"]:
        notes = [_source(item, item["purpose"])]
        if item.get("heroes"):
            notes.append("Герои: " + "; ".join(
                f"{h['name']}, {h['role']}, {h['organisation']}" for h in item["heroes"]))
        if item.get("title_reconstructed"):
            notes.append("Название в отчёте не указано; дано по описанию (строка "
                         f"{item['line']}).")
        for testimonial in item.get("viewer_testimonials", []):
            notes.append(f"Отзыв зрителя (строка {testimonial['line']}): {testimonial['text']}")
        script = item.get("script")
        video = Video.objects.create(
            programme=programme, title=item["title"], kind=Video.Kind.PROMO, url=item["url"],
            published_on=_day(item["published_on"]), appendix="Приложение №2",
            notes="\n".join(notes))
        reach = item["reach"]
        VideoReach.objects.create(
            video=video, taken_at=almaty(promo["reach_taken_at"]),
            views=reach["reach_views"], reach=reach["reach_views"],
            interactions=reach["interactions"], shares=reach["shares"],
            comments=reach["comments"], likes=reach["likes"])
        if script:
            _evidence(video, EvidenceFile.Kind.SCRIPT, script, "Сценарий промо-ролика").save()
        if item.get("viewer_testimonials"):
            _evidence(video, EvidenceFile.Kind.VIDEO,
                      {"count": len(item["viewer_testimonials"]), "line": 127,
                       "appendix": item["viewer_testimonials_appendix"]},
                      "Видео-отзывы зрителей").save()
    Publication.objects.bulk_create(
        Publication(programme=programme, kind=Publication.Kind.SOCIAL_POST,
                    platform=_platform(post["url"]), url=post["url"], outlet=post["source"],
                    subject=Publication.Subject.PROMO_VIDEO, appendix="Приложение №2",
                    notes=_source(post, post["person"] or ""))
        for post in promo["posts"])
    _press(programme, data["publications"]["items"])
    ChannelSnapshot.objects.bulk_create(
        ChannelSnapshot(programme=programme, platform=item["platform"],
                        taken_on=_day(item["taken_on"]), period_note=item.get("period_note", ""),
                        period_note_kk=item.get("period_note_kk", ""),
                        period_note_en=item.get("period_note_en", ""),
                        followers=item.get("followers"), posts=item.get("posts"),
                        page_views=item.get("page_views"), page_reach=item.get("page_reach"),
                        engagement=item.get("engagement"), appendix=item.get("appendix", ""))
        for item in data["channels"]["items"])
    MailingCampaign.objects.bulk_create(
        MailingCampaign(programme=programme, title=item["title"], channel=item["channel"],
                        list_owner=item["list_owner"], messages_sent=item["messages_sent"],
                        at_least=item["at_least"], notes=_source(item, item["as_written"]))
        for item in data["mailings"])
    return True


def _press(programme, items):
    """The press, online and TV items of the campaign and of the ceremony (lines 174–565)."""
    for item in items:
        urls = item["urls"]
        Publication.objects.create(
            programme=programme, kind=item["kind"], outlet=item["outlet"],
            journalists="\n".join(item["journalists"]), title=item["subject_text"],
            url=urls[0] if urls else "", language=item["language"],
            subject=(Publication.Subject.CEREMONY if item["list"] == "ceremony"
                     else Publication.Subject.CAMPAIGN),
            appendix="Приложение №2",
            notes="\n".join(filter(None, [
                _source(item, item["type_as_written"]),
                *(f"Ещё ссылка: {url}" for url in urls[1:]), item["note"]])))


# ---------------------------------------------------------------------------
# Letters and partner meetings
# ---------------------------------------------------------------------------

def _letters(programme, data, staff):
    if Letter.objects.filter(programme=programme).exists():
        return False
    info = data["letters"]
    letters = Letter.objects.bulk_create(
        Letter(programme=programme, recipient=item["recipient"], recipient_kind=item["kind"],
               purpose_inform=True, purpose_partnership=True, purpose_ceremony=True,
               purpose_media=True, appendix=info["appendix"],
               notes=_source(item, "Дата отправки и исходящий номер в отчёте не указаны."))
        for item in info["items"])
    LetterAnswer.objects.bulk_create(
        LetterAnswer(letter=letter, kind=answer["kind"], text=answer["text"],
                     reference=answer["reference"], received_on=_day(answer.get("received_on")))
        for letter, item in zip(letters, info["items"], strict=True)
        for answer in item["answers"])
    return True


def _partner_meetings(programme, data, staff):
    if PartnerMeeting.objects.filter(programme=programme).exists():
        return False
    items = data["partner_meetings"]["items"]
    meetings = PartnerMeeting.objects.bulk_create(
        PartnerMeeting(programme=programme, title=item["title"],
                       first_date=_day(item["dates"][0]) if item["dates"] else None,
                       last_date=_day(item["dates"][-1]) if len(item["dates"]) > 1 else None,
                       place=item["place"], our_representatives="\n".join(item["ours"]),
                       their_representatives="\n".join(item["theirs"]),
                       appendix=item["appendix"], notes=_source(item))
        for item in items)
    PartnerAgreement.objects.bulk_create(
        PartnerAgreement(meeting=meeting, text=text)
        for meeting, item in zip(meetings, items, strict=True) for text in item["agreements"])
    return True


# ---------------------------------------------------------------------------
# The vote's videos: the general promo, 19 finalists, 10 fair participants
# ---------------------------------------------------------------------------

def _voting_videos(programme, data, staff):
    if Video.objects.filter(programme=programme, kind=Video.Kind.FINALIST).exists():
        return False
    info = data["voting_videos"]
    taken_at = almaty(f"{info['views_as_of']}T23:59")
    promo = info["general_promo"]
    rows = [(Video(programme=programme, title=promo["title"], kind=Video.Kind.VOTE_PROMO,
                   notes=_source(promo, "Промо-ролик общественного голосования.")),
             promo["views"])]
    rows += [(Video(programme=programme, title=f"Финалист: {item['name']}",
                    kind=Video.Kind.FINALIST, url="https://www.instagram.com/ozgeris_ustasy/",
                    notes=_source(item, "Ссылка — страница премии в Instagram (строки 397–398); "
                                        "просмотры на дату закрытия голосования "
                                        "(реконструкция).")), item["views"])
             for item in info["finalists"]]
    count = info["social_entrepreneurs"]["count"]
    rows += [(Video(programme=programme, kind=Video.Kind.SOCIAL_ENTREPRENEUR,
                    title=f"Участник ярмарки №{n} из {count}",
                    notes=_source(info["social_entrepreneurs"])), None)
             for n in range(1, count + 1)]
    videos = Video.objects.bulk_create(video for video, _views in rows)
    _evidence(programme, EvidenceFile.Kind.CONCEPT, info["platform_concept"],
              "Концепция онлайн-платформы голосования", EvidenceFile.Activity.VOTE).save()
    VideoReach.objects.bulk_create(
        VideoReach(video=video, taken_at=taken_at, views=views)
        for video, (_video, views) in zip(videos, rows, strict=True) if views is not None)
    return True


def _vote_posts(programme, data, staff):
    """Posts about the vote: the finalists' videos shared and the countdown to its close."""
    if Publication.objects.filter(programme=programme,
                                  subject=Publication.Subject.VOTE).exists():
        return False
    Publication.objects.bulk_create(
        Publication(programme=programme, kind=Publication.Kind.SOCIAL_POST,
                    platform=_platform(post["url"]), url=post["url"], outlet=post["source"],
                    title=post["participant"], subject=Publication.Subject.VOTE,
                    notes=_source(post))
        for post in data["vote_posts"]["items"])
    return True


# ---------------------------------------------------------------------------
# The ceremony
# ---------------------------------------------------------------------------

def _ceremony(programme, data, staff):
    if Ceremony.objects.filter(programme=programme).exists():
        return False
    info = data["ceremony"]
    ceremony = Ceremony.objects.create(
        programme=programme, held_at=almaty(info["held_at"]), city=info["city"],
        appendix=info["guests"]["appendix"],
        notes=_source(info, "Место проведения в отчёте не указано."))
    guests = [{"name": f"Гость №{n}", "organisation": "",
               "category": GuestCategory.OTHER, "contact": "", "consent": True}
              for n in range(1, info["guests"]["count"] + 1)]
    services.import_guests(ceremony=ceremony, rows=guests, by=staff)
    EvidenceFile.objects.bulk_create([
        _evidence(ceremony, EvidenceFile.Kind.PHOTO, info["photos"], "Фотографии церемонии"),
        _evidence(ceremony, EvidenceFile.Kind.VIDEO, info["full_video"],
                  "Полная видеосъёмка церемонии"),
        _evidence(ceremony, EvidenceFile.Kind.SCRIPT, info["script"], "Сценарий церемонии"),
        *(_evidence(ceremony, EvidenceFile.Kind.PRESS_RELEASE, info["press_release"],
                    f"Пресс-релиз ({language})")
          for language in info["press_release"]["languages"]),
        _evidence(ceremony, EvidenceFile.Kind.VIDEO,
                  {"count": len(info["feedback"]), "line": 575,
                   "appendix": info["feedback_video_appendix"]}, "Видео-отзывы гостей"),
    ])
    GuestFeedback.objects.bulk_create(
        GuestFeedback(ceremony=ceremony, person=item["person"], role=item["role"],
                      quote=item["quote"])
        for item in info["feedback"])
    FairExhibitor.objects.bulk_create(
        FairExhibitor(ceremony=ceremony, name=item["name"],
                      description=f"Отчёт 2019, строка {item['line']}")
        for item in info["fair"]["exhibitors"])
    return True


# ---------------------------------------------------------------------------
# Certificates and contracts for the winners
# ---------------------------------------------------------------------------

def _winners(programme, data, staff):
    """Certificates (the winners and the three supporting-organisation laureates) and a
    contract per winner, with reconstructed demo details, checked by staff."""
    info = data["winners"]
    issued_on = _day(info["certificates_issued_on"])
    certificates = services.issue_certificates(programme=programme, by=staff,
                                               issued_on=issued_on)
    named = set(Certificate.objects.filter(programme=programme,
                                           kind=Certificate.Kind.SUPPORTING)
                .values_list("laureate", flat=True))
    number = max(Certificate.objects.filter(programme=programme)
                 .values_list("number", flat=True), default=0)
    supporting = []
    for item in data["supporting_laureates"]:
        if item["laureate"] not in named:
            number += 1
            supporting.append(Certificate(
                programme=programme, kind=Certificate.Kind.SUPPORTING, number=number,
                laureate=item["laureate"], nomination=item["nomination"], issued_on=issued_on,
                notes=_source(item)))
    Certificate.objects.bulk_create(supporting)
    terms = services.contract_terms(programme)
    if terms.amount != info["sponsorship"]["amount"]:
        ContractTerms.objects.filter(pk=terms.pk).update(amount=info["sponsorship"]["amount"])
    contracts = services.create_contracts(programme=programme, by=staff, notify=False)
    for contract in contracts:
        _sign(contract, info, staff)
    return len(certificates) + len(supporting), len(contracts)


def demo_iik(serial):
    """A Kazakh account number (IBAN) with right check digits, the same on every run."""
    bban = f"998{serial:013d}"
    digits = "".join(str(int(ch, 36)) for ch in bban + "KZ00")
    iik = f"KZ{98 - int(digits) % 97:02d}{bban}"
    assert iban_checksum_ok(iik)
    return iik


def _sign(contract, info, staff):
    """The organisation's details (demo values), the staff check and the signing date."""
    organisation = contract.application.organisation
    serial = int(contract.number.rsplit("-", 1)[-1])
    signed_on = _day(info["signed_on"])
    moment = almaty(f"{info['signed_on']}T10:00")
    services.submit_contract_details(contract=contract, by=staff, now=moment, details={
        "signatory_name": organisation.contact_person, "signatory_position": "Председатель",
        "authority_basis": "Устава", "iik": demo_iik(serial), "bank_name": info["bank"]["name"],
        "bik": info["bank"]["bik"], "kbe": "18"})
    services.check_contract_details(contract=contract, by=staff, approved=True, now=moment)
    Contract.objects.filter(pk=contract.pk).update(
        signed_on=signed_on, appendix=info["sponsorship"]["appendix"],
        notes=_source(info["sponsorship"], info["signed_on_reconstructed"] + ". "
                      + info["details_reconstructed"] + ". " + info["paid_on_reconstructed"]
                      + "."))
    services.record_payment(contract=contract, payment=Contract.Payment.PAID,
                            paid_on=_day(info["paid_on"]), by=staff,
                            now=almaty(f"{info['paid_on']}T12:00"))


def _audit_entries(programme):
    """The entries the events services wrote about the programme and its records."""
    about = Q(content_type=ContentType.objects.get_for_model(Programme),
              object_id=str(programme.pk))
    for model in (InfoMeeting, Ceremony, Contract):
        ids = [str(pk) for pk in model.objects.filter(programme=programme)
               .values_list("pk", flat=True)]
        about |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return AuditEvent.objects.filter(about, action__startswith="events.")


def reset(*, log=print):
    """Remove the outreach records of 2019 and the audit entries the services wrote."""
    programme = Programme.objects.filter(year=YEAR).first()
    if programme is None:
        log(f"events {YEAR}: nothing to remove")
        return
    with transaction.atomic():
        _audit_entries(programme).delete()
        EvidenceFile.objects.filter(content_type=ContentType.objects.get_for_model(Programme),
                                    object_id=programme.pk).delete()
        for model in (Contract, Certificate, Ceremony, Video, Publication, Letter,
                      PartnerMeeting, MailingCampaign, InfoMeeting, ChannelSnapshot, FaqEntry,
                      ContractTerms):
            model.objects.filter(programme=programme).delete()
    log(f"events {YEAR}: removed")
