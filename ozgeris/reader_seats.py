"""The two read-only seats (issue 18): an observer (the donor's or grant operator's officer)
and an auditor (independent of the portal's staff). The roles and their checks are in
``ozgeris.permissions`` (``is_observer``, ``is_auditor``, ``is_reader``); this module holds
their groups and what they may read.

Design: their own read-only pages, never the admin. A seat is a group and nothing else: no
``is_staff``, no model permission, so the admin (which shows documents and every person's
data), the staff dashboard, the jury's pages and every staff action stay closed to them, each
refused by the check it already had. What they read:

* the reports page (``/reports/``): the draft and issued grant report and the exports
  without personal data (``Exporter.personal_data``), the vote's figures once released
  (``Exporter.readable_once``); the auditor also the vote's audit file
  (``Exporter.audit_file``), which ``readable_once`` holds from everyone, staff included,
  until the vote closes (``figures_held``). Starting such an export is their only request
  that writes, and it writes only the job that makes their file; issuing a version is
  staff's;
* an edition's applications (``/reports/YEAR/applications/``, ``reporting.overview_views``):
  each one's organisation, nomination and status, and the jury's rank and total once its
  results are applied; no person, document or juror (``jury/reader_overview.py``);
* the auditor: the vote's audit page (``/vote/YEAR/audit/``, ``voting.audit_views``), the
  ledger's verification that ``manage.py verify_ledger`` runs.

Two-factor sign-in binds them as it binds staff (``ozgeris.two_factor``); after signing in
they land on their page (``landing_url``).

Staff read every export but one an exporter seals from them (``Exporter.sealed_for``): a staff
member with a seat on an edition's jury does not read its scores and minutes before the
results are applied (every juror's scores and comments, those on the application the person
abstains on among them), as the admin shows a staff juror no other juror's sheet.
"""

from django.urls import reverse

from .models import Programme
from .permissions import AUDITOR_GROUP, OBSERVER_GROUP, is_auditor, is_programme_staff, is_reader
from .registries import exporters

READER_GROUPS = (OBSERVER_GROUP, AUDITOR_GROUP)


def create_reader_groups(**kwargs):
    """post_migrate: the seats' groups exist on every database (no migration needed: a group
    is a row). They are granted no permission."""
    from django.contrib.auth.models import Group

    for name in READER_GROUPS:
        Group.objects.get_or_create(name=name)


def _seat_may_read(user, exporter):
    """The seat's rule without the programme: no personal data, the audit file for the
    auditor only."""
    if exporter is None or not is_reader(user) or exporter.personal_data:
        return False
    return not exporter.audit_file or is_auditor(user)


def sealed_for(user, name, programme):
    """Is the export ``name`` of ``programme`` held from ``user`` whatever their role
    (``Exporter.sealed_for``: a juror of the edition, its scores before the results)?"""
    exporter = exporters.get(name)
    return (exporter is not None and exporter.sealed_for is not None and programme is not None
            and bool(exporter.sealed_for(user, programme)))


def may_read_export(user, name, programme, *, sealed=None):
    """May ``user`` start and download the export ``name`` of ``programme``? None sealed from
    them (``sealed_for``; ``sealed``: the names sealed from them, when the caller has read
    them already). Staff: every other one. The read-only seats: none with personal data, the
    vote's audit file for the auditor only, and a file held until its figures are out
    (``readable_once``) only then."""
    if name in sealed if sealed is not None else sealed_for(user, name, programme):
        return False
    if is_programme_staff(user):
        return True
    exporter = exporters.get(name)
    if not _seat_may_read(user, exporter):
        return False
    return _figures_out(exporter, programme)


def _figures_out(exporter, programme):
    return exporter.readable_once is None or bool(exporter.readable_once(programme))


def figures_held(name, programme):
    """Is the export ``name`` of ``programme`` held from everyone, staff included (refused by
    ``reporting.jobs.start_export``)? The vote's audit file (``Exporter.audit_file``) until its
    ``readable_once``, the close: before it the file lists no vote, an empty file that reads
    as a vote without voters. The totals' exports are staff's during the vote, at the staff
    chart's moment (voting/exporters.py), and held from the seats alone (``_figures_out``)."""
    exporter = exporters.get(name)
    return (exporter is not None and programme is not None and exporter.audit_file
            and not _figures_out(exporter, programme))


def attachable_for_seats(exporter, programme):
    """May a report made for a read-only seat carry ``exporter``'s sheets (the grant report
    attaches its appendices' exports)? The seats' rule for an export of their own: no personal
    data, not the audit file, and its figures out."""
    return (not exporter.personal_data and not exporter.audit_file
            and _figures_out(exporter, programme))


def offered_exporters(user, programme=None):
    """The names of the exports ``user`` may read of some programme (what their form offers;
    ``may_read_export`` decides for the programme chosen), less those sealed from them in
    ``programme`` when given (the one the form shows first)."""
    if is_programme_staff(user):
        names = exporters.names()
    else:
        names = [name for name in exporters.names()
                 if _seat_may_read(user, exporters.get(name))]
    return [name for name in names if not sealed_for(user, name, programme)]


def landing_url(user):
    """Where a read-only seat lands after signing in: the auditor on the audit page of the
    current programme, the observer (and an auditor before any programme) on the reports."""
    programme = Programme.objects.current() if is_auditor(user) else None
    if programme is not None:
        return reverse("voting:audit", args=[programme.year])
    return reverse("reporting:index")
