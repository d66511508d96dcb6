"""The access matrix (issue 8): every URL of the portal, requested as each role, against a
status written by hand in ``TABLE`` from what the product SHOULD do, never captured from what
it does today.

* The URL list comes from the URL configuration itself (``get_resolver()``, walked with its
  includes and namespaces): a URL missing from the table fails ``test_every_url_is_in_the_table``
  and a table row whose URL no longer exists fails ``test_every_row_still_exists``.
* Left out of that check, on purpose (``_skipped``):
  - Django admin's generated pages (namespace ``admin``): ~300 add/change/delete/history pages
    of the registered models. Covered instead by the admin index and the changelist of every
    model with sensitive data (``ADMIN_ROWS``), which must be staff-only.
  - allauth's pages (views from ``allauth.*``): sign-in, sign-up, sign-out and the email page
    are covered (``ALLAUTH_ROWS``); the rest are allauth's own flows (password reset keys,
    social login callbacks) with nothing of the portal's behind them.
  - There is no static/media serving in the URL configuration (``public_media`` is the
    portal's own view and is in the table).
* The world (``world`` in tests/access_world.py, built once per module inside a transaction
  rolled back at the end): the 2031 programme, published and current, with its public vote
  open; applicant A's organisation and application (submitted with three documents,
  eligible, then finalist and winner, with a contract and a photo awaiting approval),
  applicant B's (finalist); two jurors seated on 2031, the second with a declared conflict on
  A's application; staff; a voter; a finished export of the jury scores; a finalist's
  document of a past edition (2030). Rows marked ``released`` close the vote and release the
  results first (inside the test, rolled back after it).
* Rules the table encodes: documents only for the applicant's own organisation's members,
  jurors on applications they score and are not in conflict with, and staff; scores never for
  applicants; staff pages, exports and downloads only for staff; the results and laureates
  404 for everyone, staff included, until released; public pages for all. Where the product
  disagrees, the expectation stays and that single case is ``xfail(strict=True)``.
"""

from collections import namedtuple
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from tests.access_world import world  # noqa: F401 - the fixture, for the module

ROLES = ("anonymous", "voter", "applicant_a", "applicant_b", "juror", "juror_conflict", "staff")


# The URL configuration ----------------------------------------------------------------

def _patterns(resolver=None, prefix="", namespaces=(), origin=""):
    """(key, route, origin, namespaces) for every pattern: the key is the namespaced name, or
    ``route:<route>`` for an unnamed one; the origin is the module of the outermost include
    the pattern comes from (the project's own urls for a pattern of its own)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            spaces = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            conf = pattern.urlconf_name
            name = conf if isinstance(conf, str) else getattr(conf, "__name__", "")
            yield from _patterns(pattern, route, spaces, origin or name)
        elif isinstance(pattern, URLPattern):
            key = ":".join((*namespaces, pattern.name)) if pattern.name else f"route:{route}"
            yield key, route, origin, namespaces


def _skipped(key, origin, namespaces):
    """The deliberately skipped patterns (see the module docstring)."""
    if namespaces[:1] == ("admin",):
        return True  # Django admin's generated pages: representative rows in ADMIN_ROWS
    if origin.startswith("allauth."):
        return True  # allauth's own pages: sign-in, sign-up and sign-out in ALLAUTH_ROWS
    return False


def url_keys():
    return {key for key, _route, origin, spaces in _patterns()
            if not _skipped(key, origin, spaces)}


def all_keys():
    return {key for key, *_rest in _patterns()}


def _release(w):
    """Close the public vote and release its results (inside the test's savepoint)."""
    from ozgeris.models import Programme
    from voting.results import release_results

    programme = Programme.objects.get(pk=w.programme.pk)  # no settings cached by an earlier test
    programme.voting_closes_at = timezone.now() - timedelta(minutes=1)
    programme.save(update_fields=["voting_closes_at"])
    release_results(programme=programme, by=w.users["staff"])


def _segment_message(w):
    """A message staff sent to 2031's finalists (inside the test's savepoint)."""
    from ozgeris.models import SegmentMessage

    message = SegmentMessage.objects.create(programme=w.programme, segment="jury.finalists",
                                            author=w.users["staff"], subject_ru="Финалистам",
                                            body_ru="Голосование открыто.")
    return reverse("segment_mail:detail", args=[message.pk])


def _unsubscribe(email, forged=False):
    from ozgeris.segment_mail import unsubscribe_token

    token = unsubscribe_token(email)
    return reverse("segment_mail:unsubscribe", args=[token[:-3] + "abc" if forged else token])


def _calendar(w, role, forged=False):
    """``role``'s personal calendar feed of 2031, or the same with its signature altered."""
    from ozgeris.calendars import personal_token

    token = personal_token(w.users[role])
    return reverse("calendar_personal", args=[2031, token[:-3] + "abc" if forged else token])


# The table --------------------------------------------------------------------------------
#
# Each row: the URL's key (its namespaced name, or route:<route> when it has none), a label
# for the variant, the expected status per role in ROLES order, the URL's arguments, the roles
# where the product is known to disagree (xfail, with the reason), and whether the results
# must be released first. Statuses: 200, 302 (to sign in, or away from a page a signed-in
# person does not need), 403, 404, 405 (GET on a POST-only view).

class Row(namedtuple("Row", "key label expected args path bugs released method data",
                     defaults=((), None, {}, False, "GET", None))):
    """One request of the matrix. Its path is the URL named by ``key`` with ``args`` (a list,
    or a function of the world that gives one), so that a row requests the URL it is counted
    for; ``path`` (a function of the world) instead, where the path needs a query string or a
    token the world makes (test_a_rows_own_path_is_its_url checks where those lead)."""

    def url(self, w):
        if self.path is not None:
            return self.path(w)
        return reverse(self.key, args=self.args(w) if callable(self.args) else self.args)


ALL_200 = (200,) * 7
SIGNED_IN = (302, 200, 200, 200, 200, 200, 200)
POST_ONLY_SIGNED_IN = (302, 405, 405, 405, 405, 405, 405)
STAFF_ONLY = (302, 403, 403, 403, 403, 403, 200)
STAFF_POST_ONLY = (302, 403, 403, 403, 403, 403, 405)
# Members of A's organisation only (the applicant's own pages); anyone else a 404.
A_ONLY = (302, 404, 200, 404, 404, 404, 404)
# The jurors' panel: seats (and staff) only; a signed-in person without one gets a 403.
PANEL = (302, 403, 403, 403, 200, 200, 200)
ADMIN = (302, 302, 302, 302, 302, 302, 200)

# Documents: four (application, document) pairs, each requested through the applicant's URL
# and through the jurors' panel. A's own and B's; a finalist's of the 2030 edition (the 2031
# jurors do not sit on that jury); A's document through B's application (the pair must
# match). Applicants read their own organisation's; jurors read in their panel only, which
# knows their seat (on this programme) and conflicts; staff read all of the current
# programme's through the panel, and all through the applicant's URL.
DOCUMENT_CASES = [  # label, the URLs' arguments, statuses of applications:document, of the panel's
    ("A", lambda w: [w.app_a.pk, w.doc_a.pk],
     (302, 404, 200, 404, 404, 404, 200), (302, 403, 403, 403, 200, 404, 200)),
    ("B", lambda w: [w.app_b.pk, w.doc_b.pk],
     (302, 404, 404, 200, 404, 404, 200), (302, 403, 403, 403, 200, 200, 200)),
    ("2030", lambda w: [w.app_past.pk, w.doc_past.pk],
     (302, 404, 404, 404, 404, 404, 200), (302, 403, 403, 403, 404, 404, 404)),
    ("A-via-B", lambda w: [w.app_b.pk, w.doc_a.pk],
     (302, 404, 404, 404, 404, 404, 404), (302, 403, 403, 403, 404, 404, 404)),
]
DOCUMENT_ROWS = [
    Row(key, label, expected, args=args)
    for label, args, applicants_url, panel in DOCUMENT_CASES
    for key, expected in (("applications:document", applicants_url),
                          ("jury_panel:document", panel))
]

TABLE = [
    # The spine.
    Row("home", "", ALL_200),
    Row("privacy", "", ALL_200),
    Row("profile", "", SIGNED_IN),
    Row("delete_account", "", SIGNED_IN),
    Row("account_email", "", SIGNED_IN),  # allauth's page, with the portal's login rule
    # A plain link for visitors (GET redirects back), a form post for signed-in people.
    Row("set_language", "GET", (302,) * 7,
        path=lambda w: reverse("set_language") + "?language=kk&next=/"),
    Row("healthz", "", ALL_200),
    # Calendar feeds (issue 18): a published edition's public feed for everyone; a personal
    # feed through its signed token, without a session; an altered token refused for everyone.
    Row("calendar_public", "2031", ALL_200, args=[2031]),
    Row("calendar_public", "unknown", (404,) * 7, args=[1999]),
    Row("calendar_personal", "A's", ALL_200, path=lambda w: _calendar(w, "applicant_a")),
    Row("calendar_personal", "forged", (404,) * 7,
        path=lambda w: _calendar(w, "applicant_a", forged=True)),
    # Revoking one's own personal feed addresses: a form post by whoever is signed in.
    Row("calendar_revoke", "GET", POST_ONLY_SIGNED_IN),
    Row("staff_dashboard", "", STAFF_ONLY),
    # Staff's messages to segments (issue 18); the unsubscribe link needs no sign-in, a forged
    # one is refused for everyone.
    Row("segment_mail:list", "", STAFF_ONLY),
    Row("segment_mail:compose", "", STAFF_ONLY),
    Row("segment_mail:detail", "", STAFF_ONLY, path=_segment_message),
    Row("segment_mail:unsubscribe", "signed", ALL_200, path=lambda w: _unsubscribe("a@ngo-a.kz")),
    Row("segment_mail:unsubscribe", "forged", (400,) * 7,
        path=lambda w: _unsubscribe("a@ngo-a.kz", forged=True)),
    # The admin's sign-in is allauth's: visitors are sent there, staff on to the admin, anyone
    # else signed in is refused (no page to loop through).
    Row("admin_login", "", (302, 403, 403, 403, 403, 403, 302)),
    Row("public_media", "published", ALL_200, args=lambda w: [w.public_name]),
    Row("public_media", "private-name", (404,) * 7, args=lambda w: [w.private_name]),
    Row("public_media", "traversal", (404,) * 7, args=lambda w: [w.traversal]),

    # The jurors' panel (/jury/), on the current programme (2031).
    Row("jury_panel:index", "", PANEL),
    # Staff hold no seat (they do not score); the conflicted juror must not read A.
    Row("jury_panel:score", "A", (302, 403, 403, 403, 200, 404, 404), args=lambda w: [w.app_a.pk]),
    Row("jury_panel:score", "B", (302, 403, 403, 403, 200, 200, 404), args=lambda w: [w.app_b.pk]),
    # Documents through the panel: DOCUMENT_ROWS (below).
    Row("jury_panel:conflict", "GET", (302, 403, 403, 403, 405, 405, 405),
        args=lambda w: [w.app_b.pk]),
    Row("jury_panel:conflicts", "", PANEL),
    # Everyone's scores: staff and the chair only, never an ordinary juror or an applicant.
    Row("jury_panel:results", "", (302, 403, 403, 403, 403, 403, 200)),
    Row("jury_panel:progress", "", (302, 403, 403, 403, 403, 403, 200)),
    Row("jury_panel:supporting", "", PANEL),
    # Signed in with a seat: sent on to the panel; without one: refused.
    Row("jury_panel:login", "", (302, 403, 403, 403, 302, 302, 302)),
    Row("jury_panel:logout", "GET", (302, 403, 403, 403, 405, 405, 405)),
    Row("jury_panel:password_change", "", PANEL),
    Row("jury_panel:password_change_done", "", PANEL),
    # No model is registered on the panel: an autocomplete request names none (403).
    Row("jury_panel:autocomplete", "", (302, 403, 403, 403, 403, 403, 403)),
    Row("jury_panel:jsi18n", "", PANEL),
    # The content-type shortcut: an application has no public page to send anyone to.
    Row("jury_panel:view_on_site", "A", (302, 403, 403, 403, 404, 404, 404),
        args=lambda w: [w.application_type.pk, w.app_a.pk]),
    Row("route:jury/(?P<url>.*)$", "catch-all", (302, 403, 403, 403, 404, 404, 404),
        path=lambda w: "/jury/nowhere/"),

    # The applicant's feedback (/feedback/): their own decided application only.
    Row("jury:feedback", "A", A_ONLY, args=lambda w: [w.app_a.pk]),

    # The applicant's pages (/apply/).
    Row("applications:dashboard", "", ALL_200),
    Row("applications:eligibility", "", ALL_200),
    Row("applications:organisation_create", "", SIGNED_IN),
    Row("applications:organisation", "A", A_ONLY, args=lambda w: [w.org_a.pk]),
    Row("applications:invite", "GET", POST_ONLY_SIGNED_IN, args=lambda w: [w.org_a.pk]),
    # The emailed link is the credential: whoever is signed in and holds it sees the invitation.
    Row("applications:accept_invitation", "A", SIGNED_IN, args=lambda w: [w.invitation.token]),
    # Without an organisation: sent to create one first; with one, the world's window is
    # closed (its vote is open): back to the dashboard (applications.intake).
    Row("applications:start", "", (302, 302, 302, 302, 302, 302, 302)),
    Row("applications:edit", "A", A_ONLY, args=lambda w: [w.app_a.pk]),
    Row("applications:withdraw", "GET", POST_ONLY_SIGNED_IN, args=lambda w: [w.app_a.pk]),
    Row("applications:pdf", "A", A_ONLY, args=lambda w: [w.app_a.pk]),
    Row("applications:profile", "A", A_ONLY, args=lambda w: [w.app_a.pk]),
    Row("applications:profile_photo", "A", (302, 404, 200, 404, 404, 404, 200),
        args=lambda w: [w.app_a.pk]),
    *DOCUMENT_ROWS,
    Row("applications:document_remove", "GET", POST_ONLY_SIGNED_IN,
        args=lambda w: [w.app_a.pk, w.doc_a.pk]),

    Row("registry:list", "", ALL_200),

    # The public vote (/vote/), 2031.
    Row("voting:finalists", "", ALL_200),
    Row("voting:finalist", "A", ALL_200, args=lambda w: [w.app_a.pk]),
    # A finalist's share card (issue 18): the current edition's finalists only.
    Row("voting:finalist_card", "A", ALL_200, args=lambda w: [w.app_a.pk]),
    Row("voting:finalist_card", "2030", (404,) * 7, args=lambda w: [w.app_past.pk]),
    Row("voting:vote", "GET", POST_ONLY_SIGNED_IN, args=lambda w: [w.app_a.pk]),
    Row("voting:receipt", "", ALL_200),
    Row("voting:ledger", "2031", ALL_200, args=[2031]),
    Row("voting:checkpoints", "2031", ALL_200, args=[2031]),
    Row("voting:checkpoints_json", "2031", ALL_200, args=[2031]),
    Row("voting:results", "2031-before-release", (404,) * 7, args=[2031]),
    Row("voting:results", "2031-released", ALL_200, args=[2031], released=True),
    Row("laureates", "2031-before-release", (404,) * 7, args=[2031]),
    Row("laureates", "2031-released", ALL_200, args=[2031], released=True),
    # Open data (/open/, issue 18): public for all, the vote's files only once released.
    Row("open_data:index", "", ALL_200),
    Row("open_data:schema", "vote-totals", ALL_200, args=["vote-totals"]),
    Row("open_data:csv", "registry", ALL_200, args=["registry"]),
    Row("open_data:json", "registry", ALL_200, args=["registry"]),
    Row("open_data:edition_csv", "totals-2031-before-release", (404,) * 7,
        args=["vote-totals", 2031]),
    Row("open_data:edition_csv", "totals-2031-released", ALL_200, args=["vote-totals", 2031],
        released=True),
    Row("open_data:edition_json", "finalists-2031-before-release", (404,) * 7,
        args=["finalists", 2031]),
    Row("open_data:edition_json", "finalists-2031-released", ALL_200, args=["finalists", 2031],
        released=True),
    Row("voting:dashboard", "2031", STAFF_ONLY, args=[2031]),
    Row("voting:publish_head", "GET", STAFF_POST_ONLY, args=[2031]),
    Row("voting:release", "GET", STAFF_POST_ONLY, args=[2031]),
    Row("voting:declare", "GET", STAFF_POST_ONLY, args=[2031]),
    Row("voting:withdraw_release", "GET", STAFF_POST_ONLY, args=[2031]),
    # The vote's audit (the ledger's verification): staff, and the auditor seat (below).
    Row("voting:audit", "2031", STAFF_ONLY, args=[2031]),

    # The staff's reports and exports (/reports/).
    Row("reporting:index", "", STAFF_ONLY),
    Row("reporting:issue", "GET", STAFF_POST_ONLY),
    Row("reporting:job", "scores", STAFF_ONLY, args=lambda w: [w.job.pk]),
    Row("reporting:job_status", "scores", STAFF_ONLY, args=lambda w: [w.job.pk]),
    Row("reporting:download", "scores", STAFF_ONLY, args=lambda w: [w.job.pk]),
    # An edition's applications and the jury's results (read only): staff and both seats.
    Row("reporting:applications_overview", "2031", STAFF_ONLY, args=[2031]),
    Row("reporting:applications_overview", "POST", STAFF_POST_ONLY, args=[2031], method="POST",
        data=lambda w: {}),

    # Outreach and the winners' contracts.
    Row("events:faq", "", ALL_200),
    Row("events:contracts", "", SIGNED_IN),
    Row("events:contract", "A", A_ONLY, args=lambda w: [w.contract.pk]),
    Row("events:contract_pdf", "A", A_ONLY, args=lambda w: [w.contract.pk]),
]

# allauth: the pages people use. Signed in, sign-in and sign-up send you on (302).
ALLAUTH_ROWS = [
    Row("account_login", "", (200, 302, 302, 302, 302, 302, 302)),
    Row("account_signup", "", (200, 302, 302, 302, 302, 302, 302)),
    Row("account_logout", "", (302, 200, 200, 200, 200, 200, 200)),
]

# Django admin: the index and the changelists with sensitive data, staff only (a juror sees
# only the jurors' panel). Signed in without staff access: sent to the admin's sign-in.
ADMIN_ROWS = [
    Row(f"admin:{name}", "", ADMIN)
    for name in (
        "index",
        "applications_application_changelist",
        "applications_organisation_changelist",
        "jury_scoresheet_changelist",
        "jury_conflict_changelist",
        "voting_votereview_changelist",
        "events_letter_changelist",
        "events_contract_changelist",
        "reporting_grant_changelist",
        "reporting_reportversion_changelist",
    )
]

# Writes by the wrong role: the state-changing POST views, each with a request the rightful
# role could make (their 302 is the redirect after it, done or refused with a message; every
# test's writes are rolled back). A wrong role must be stopped before the view acts.
A_ONLY_POST = (302, 404, 302, 404, 404, 404, 404)
STAFF_POST = (302, 403, 403, 403, 403, 403, 302)
CONTRACT_DETAILS = {"signatory_name": "Айгүл Серікқызы", "signatory_position": "Председатель",
                    "authority_basis": "Устава", "iik": "KZ86 125K ZT50 0410 0100",
                    "bank_name": "АО «Народный банк Казахстана»", "bik": "hsbkkzkx",
                    "kbe": "18"}

POST_ROWS = [
    # Writing to the finalists: staff only (the world's applicants gave no consent, so staff
    # see the form again, with "no one can receive it"; nothing is sent).
    Row("segment_mail:compose", "POST send", (302, 403, 403, 403, 403, 403, 200), method="POST",
        data=lambda w: {"programme": w.programme.pk, "segment": "jury.finalists",
                                       "subject_ru": "Финалистам", "body_ru": "{link}",
                                       "action": "send"}),
    Row("applications:document_remove", "POST A", A_ONLY_POST,
        args=lambda w: [w.app_a.pk, w.docs_a[2].pk], method="POST", data=lambda w: {}),
    Row("applications:withdraw", "POST A", A_ONLY_POST, args=lambda w: [w.app_a.pk], method="POST",
        data=lambda w: {}),
    Row("applications:invite", "POST A", A_ONLY_POST, args=lambda w: [w.org_a.pk], method="POST",
        data=lambda w: {"invite-email": "intruder@example.kz"}),
    Row("events:contract", "POST A", A_ONLY_POST, args=lambda w: [w.contract.pk], method="POST",
        data=lambda w: CONTRACT_DETAILS),
    # Declaring a conflict: a seat only (staff hold none); B is decided already, so the juror
    # is told so with a message.
    Row("jury_panel:conflict", "POST B", (302, 403, 403, 403, 302, 302, 404),
        args=lambda w: [w.app_b.pk], method="POST",
        data=lambda w: {"reason": "My cousin runs it."}),
    # The conflicted juror's own conflict: another juror cannot even find it.
    Row("jury_panel:conflicts", "POST resolve", (302, 403, 403, 403, 404, 302, 302), method="POST",
        data=lambda w: {"conflict": w.conflict.pk, "dismiss": "1",
                                       "reason": "No longer on its board."}),
    Row("jury_panel:results", "POST detect", (302, 403, 403, 403, 403, 403, 302), method="POST",
        data=lambda w: {"detect": "1"}),
    Row("voting:publish_head", "POST", STAFF_POST, args=[2031], method="POST", data=lambda w: {}),
    Row("voting:release", "POST", STAFF_POST, args=[2031], method="POST", data=lambda w: {}),
    Row("voting:declare", "POST", STAFF_POST, args=[2031], method="POST",
        data=lambda w: {"winners": [w.app_b.pk]}),
    Row("voting:withdraw_release", "POST", STAFF_POST, args=[2031], method="POST",
        data=lambda w: {"reason": "matrix"}, released=True),
    Row("reporting:index", "POST start", STAFF_POST, method="POST",
        data=lambda w: {"programme": 2031, "exporter": "scores",
                                       "language": "ru"}),
    Row("reporting:issue", "POST", STAFF_POST, method="POST",
        data=lambda w: {"programme": 2031, "note": "matrix"}),
    # Revoking one's own calendar addresses: anyone signed in, sent back to their page (its
    # CSRF check: tests/test_links_stay_on_the_portal.py).
    Row("calendar_revoke", "POST", (302,) * 7, method="POST", data=lambda w: {}),
    # A mail provider's RFC 8058 one-click unsubscribe: the signed token is the authority, no
    # sign-in; a forged one is refused (without cookies and CSRF: tests/test_list_unsubscribe.py).
    Row("segment_mail:unsubscribe", "POST one-click", ALL_200, method="POST",
        path=lambda w: _unsubscribe("a@ngo-a.kz"),
        data=lambda w: {"List-Unsubscribe": "One-Click"}),
    Row("segment_mail:unsubscribe", "POST one-click forged", (400,) * 7, method="POST",
        path=lambda w: _unsubscribe("a@ngo-a.kz", forged=True),
        data=lambda w: {"List-Unsubscribe": "One-Click"}),
]

# Accounts and their privileges are the superusers' (issue 15): staff may look a person up, but
# not open a group, set a password, change an account (their own included: the POSTs carry
# superuser, staff status and the staff group; tests/test_least_privilege.py reloads the
# accounts after them) or filter the outbox on a message's text or context.
STAFF_403 = (302, 302, 302, 302, 302, 302, 403)


def _staff_group(w):
    return Group.objects.get(name="Programme staff").pk


def _escalation(w, user):
    return {"email": user.email, "display_name": "", "preferred_language": "ru",
            "is_active": "on", "is_staff": "on", "is_superuser": "on",
            "groups": [_staff_group(w)]}


ACCOUNT_ROWS = [
    Row("admin:auth_group_changelist", "", STAFF_403),
    Row("admin:auth_group_change", "Programme staff", STAFF_403, args=lambda w: [_staff_group(w)]),
    Row("admin:ozgeris_user_change", "staff themselves", ADMIN,
        args=lambda w: [w.users["staff"].pk]),
    Row("admin:auth_user_password_change", "voter", STAFF_403,
        args=lambda w: [w.users["voter"].pk]),
    Row("admin:ozgeris_user_change", "POST superuser themselves", STAFF_403,
        args=lambda w: [w.users["staff"].pk], method="POST",
        data=lambda w: _escalation(w, w.users["staff"])),
    Row("admin:ozgeris_user_change", "POST voter into staff", STAFF_403,
        args=lambda w: [w.users["voter"].pk], method="POST",
        data=lambda w: _escalation(w, w.users["voter"])),
    Row("admin:auth_group_change", "POST every permission", STAFF_403,
        args=lambda w: [_staff_group(w)], method="POST",
        data=lambda w: {"name": "Programme staff", "permissions": list(
            Permission.objects.values_list("pk", flat=True))}),
    Row("admin:ozgeris_outboxmessage_changelist", "filter on the context",
        (302, 302, 302, 302, 302, 302, 400),
        path=lambda w: reverse("admin:ozgeris_outboxmessage_changelist") + "?context__icontains=a"),
]

ROWS = TABLE + ALLAUTH_ROWS + ADMIN_ROWS + POST_ROWS + ACCOUNT_ROWS


def _cases():
    for row in ROWS:
        for role, expected in zip(ROLES, row.expected, strict=True):
            marks = []
            if role in row.bugs:
                marks.append(pytest.mark.xfail(strict=True, reason=row.bugs[role]))
            label = f"{row.key}[{row.label}]" if row.label else row.key
            yield pytest.param(row, role, expected, marks=marks, id=f"{label}-{role}")


# Rows whose anonymous 302 goes somewhere other than a sign-in page, by design.
NOT_TO_SIGN_IN = {"account_logout", "jury_panel:login", "jury_panel:logout", "set_language"}


# The tests ----------------------------------------------------------------------------------

def test_every_url_is_in_the_table():
    listed = {row.key for row in TABLE}
    missing = sorted(url_keys() - listed)
    assert not missing, f"URLs with no row in the access matrix: {missing}"


def test_every_row_still_exists():
    existing = all_keys()
    gone = sorted({row.key for row in ROWS} - existing)
    assert not gone, f"Access-matrix rows whose URL no longer exists: {gone}"


def test_the_skips_leave_out_only_admin_and_allauth():
    skipped = [(key, route) for key, route, origin, spaces in _patterns()
               if _skipped(key, origin, spaces)]
    assert all(route.startswith(("admin/", "accounts/")) for _key, route in skipped), skipped
    # The jurors' panel is an admin site too, but it is the portal's own: never skipped.
    assert not any(route.startswith("jury/") for _key, route in skipped)


def test_a_rows_own_path_is_its_url(world, db):  # noqa: F811 - the fixture
    """A row built with ``path`` (not from its key) still requests the URL it is counted for."""
    for row in ROWS + READER_ROWS:
        if row.path is not None and not row.key.startswith("route:"):
            path = urlsplit(row.url(world)).path
            assert resolve(path).view_name == row.key, (row.key, row.label, path)


@pytest.mark.parametrize(("row", "role", "expected"), list(_cases()))
def test_access(world, db, client, row, role, expected):  # noqa: F811 - the fixture
    if row.released:
        _release(world)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    if row.method == "POST":
        response = client.post(row.url(world), row.data(world))
    else:
        response = client.get(row.url(world))
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # close the file it serves
    assert response.status_code == expected, (
        f"{role} {row.method} {row.url(world)}: {response.status_code}, expected {expected}"
        + (f" → {response['Location']}" if response.has_header("Location") else ""))
    if expected == 302 and row.key not in NOT_TO_SIGN_IN and (
            role == "anonymous" or row.key.startswith("admin:")):
        # Sent to sign in, not somewhere that could serve the page.
        assert "login" in response["Location"], response["Location"]


# The read-only seats (issue 18) --------------------------------------------------------------
#
# Every row above is requested as an observer and as an auditor too. A seat is a group with no
# admin access and no permission, so it must fare exactly as a signed-in voter (the voter's
# column) except where READER_EXPECTED says otherwise: (observer, auditor). READER_ROWS are
# requests only the seats' rules tell apart. Neither seat's POST changes anything: the only one
# that succeeds starts an export without personal data (the job that makes their file).
READER_ROLES = ("observer", "auditor")
READER_EXPECTED = {
    ("reporting:index", ""): (200, 200),
    # The world's export is the jury's scores, with personal data: not even its existence.
    ("reporting:job", "scores"): (404, 404),
    ("reporting:job_status", "scores"): (404, 404),
    ("reporting:download", "scores"): (404, 404),
    ("reporting:index", "POST start"): (403, 403),
    ("voting:audit", "2031"): (403, 200),
    ("reporting:applications_overview", "2031"): (200, 200),
    ("reporting:applications_overview", "POST"): (405, 405),
}


def _start_export(exporter, expected, after=""):
    """A row for starting ``exporter`` on the reports page (POST); ``after`` ("closed",
    "released") names the world's vote as closed and its results released."""
    return Row("reporting:index", " ".join(filter(None, ("POST start", exporter, after))),
               expected, method="POST", released=bool(after),
               data=lambda w: {"programme": 2031, "exporter": exporter, "language": "ru"})


# Signed in without admin access, the admin sends a seat to its sign-in (which refuses it).
READER_ADMIN = (302, 302)
READER_ROWS = [
    # A staff member's export, even one without personal data, is not a seat's (a seat reads
    # its own: tests/test_reader_seats.py).
    Row("reporting:job", "staff's finalists", (404, 404), args=lambda w: [w.open_job.pk]),
    Row("reporting:job_status", "staff's finalists", (404, 404), args=lambda w: [w.open_job.pk]),
    Row("reporting:download", "staff's finalists", (404, 404), args=lambda w: [w.open_job.pk]),
    _start_export("finalists", (302, 302)),
    # The vote's audit file opens to the auditor at the close (the world's vote is open).
    _start_export("votes", (403, 200)),
    _start_export("votes", (403, 302), after="closed"),
    _start_export("participants", (403, 403)),
    _start_export("contracts", (403, 403)),
    # The vote's figures before the release: the form says when they open (200), no job.
    _start_export("voting-stats", (200, 200)),
    _start_export("voting-stats", (302, 302), after="released"),
    Row("voting:audit", "POST", (403, 405), args=[2031], method="POST", data=lambda w: {}),
    Row("admin:applications_application_change", "A", READER_ADMIN, args=lambda w: [w.app_a.pk]),
    Row("admin:applications_application_add", "", READER_ADMIN),
    Row("admin:applications_application_delete", "A", READER_ADMIN, args=lambda w: [w.app_a.pk]),
    Row("admin:ozgeris_programme_change", "2031", READER_ADMIN, args=lambda w: [w.programme.pk]),
    Row("admin:reporting_reportversion_add", "", READER_ADMIN),
    Row("admin:applications_application_change", "POST A", READER_ADMIN,
        args=lambda w: [w.app_a.pk], method="POST", data=lambda w: {"status": "winner"}),
    Row("admin:applications_application_delete", "POST A", READER_ADMIN,
        args=lambda w: [w.app_a.pk], method="POST", data=lambda w: {"post": "yes"}),
    Row("admin:ozgeris_programme_change", "POST 2031", READER_ADMIN,
        args=lambda w: [w.programme.pk], method="POST",
        data=lambda w: {"year": 2031, "title_ru": "Взлом"}),
]


def _reader_cases():
    voter = ROLES.index("voter")
    for row in ROWS:
        expected = READER_EXPECTED.get((row.key, row.label),
                                       (row.expected[voter],) * len(READER_ROLES))
        for role, status in zip(READER_ROLES, expected, strict=True):
            label = f"{row.key}[{row.label}]" if row.label else row.key
            yield pytest.param(row, role, status, id=f"{label}-{role}")
    for row in READER_ROWS:
        for role, status in zip(READER_ROLES, row.expected, strict=True):
            yield pytest.param(row, role, status, id=f"{row.key}[{row.label}]-{role}-seat")


def test_every_reader_exception_names_a_row():
    assert set(READER_EXPECTED) <= {(row.key, row.label) for row in ROWS}
    existing = all_keys()
    assert not sorted({row.key for row in READER_ROWS} - existing)


@pytest.mark.parametrize(("row", "role", "expected"), list(_reader_cases()))
def test_reader_access(world, db, client, row, role, expected):  # noqa: F811 - the fixture
    test_access(world, db, client, row, role, expected)
