"""The staff's reports page: every registered export (the grant report among them) started in
the background, a progress bar, then the download; issuing a version of the report. The
read-only seats (ozgeris/reader_seats.py) use it too, for the exports they may read only;
issuing stays with staff."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ozgeris.models import Programme
from ozgeris.permissions import (
    is_auditor,
    is_programme_staff,
    may_read_reports,
    role_required,
    staff_required,
)
from ozgeris.reader_seats import figures_held, may_read_export, offered_exporters, sealed_for
from ozgeris.registries import exporters

from . import jobs, services
from .models import ExportJob, ReportVersion

JOBS_PER_PAGE = 20


class ExportForm(forms.Form):
    programme = forms.ModelChoiceField(label=gettext_lazy("Programme"),
                                       queryset=Programme.objects.order_by("-year"),
                                       empty_label=None, to_field_name="year")
    exporter = forms.ChoiceField(label=gettext_lazy("Export"))
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=[
        (code, get_language_info(code)["name_local"]) for code in jobs.LANGUAGES])
    version = forms.IntegerField(label=gettext_lazy("Issued version (report only)"),
                                 required=False, min_value=1,
                                 help_text=gettext_lazy("Empty: the draft, computed from the "
                                                        "data now, with the notes for staff. "
                                                        "A number: that issued version, its "
                                                        "figures frozen, without the notes."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Unbound, the form leaves out what is sealed from the user in the programme it shows
        # first, and says which of the rest wait for their figures there; a request for
        # another programme is decided in clean().
        shown = None if self.is_bound else self.initial.get("programme")
        offered = set(offered_exporters(user, programme=shown))
        self.fields["exporter"].choices = [
            (item.name, self._label(item, shown))
            for item in sorted(exporters, key=lambda item: (item.name not in (
                "report", "report-xlsx"), str(item.title))) if item.name in offered]

    @staticmethod
    def _label(item, programme):
        label = f"{item.title} ({', '.join(item.formats).upper()})"
        if figures_held(item.name, programme):
            return _("%(export)s: available once its figures are out") % {"export": label}
        return label

    def clean(self):
        data = super().clean()
        version = data.get("version")
        if version and data.get("programme") and not ReportVersion.objects.filter(
                programme=data["programme"], number=version).exists():
            self.add_error("version", _("This programme has no issued version %(number)s.")
                           % {"number": version})
        if version and data.get("exporter") not in ("report", "report-xlsx"):
            self.add_error("version", _("Only the grant report has issued versions."))
        if data.get("exporter") and data.get("programme") and sealed_for(
                self.user, data["exporter"], data["programme"]):
            self.add_error("exporter", _("You sit on this programme's jury: this export opens "
                                         "to you once the jury's results are applied."))
        elif data.get("exporter") and data.get("programme") and not may_read_export(
                self.user, data["exporter"], data["programme"]):
            # A seat's one reason left here (the view refuses it what it never reads); staff
            # hear the same from start_export.
            self.add_error("exporter", jobs.HELD)
        return data


@role_required(may_read_reports)
def index(request):
    staff = is_programme_staff(request.user)
    if request.method == "POST" and not staff and (
            request.POST.get("exporter") not in offered_exporters(request.user)):
        raise PermissionDenied  # a read-only seat asking for personal data, or the audit file
    form = ExportForm(request.POST or None, user=request.user, initial={
        "exporter": "report", "language": request.LANGUAGE_CODE[:2],
        "programme": Programme.objects.current()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {"version": data["version"]} if data["version"] else {}
        if not staff:  # a seat's report carries only what the seat may read
            options["for_reader"] = True
        # Nor does anyone's report carry an export sealed from them (the grant report attaches
        # its appendices' exports: a juror's own jury's scores before the cut).
        sealed = jobs.sealed_names(request.user, data["programme"])
        if sealed:
            options["sealed"] = sealed
        # A seat runs one export at a time: a second request opens the one under way.
        try:
            job = jobs.start_export(programme=data["programme"], exporter=data["exporter"],
                                    language=data["language"], by=request.user,
                                    options=options, one_at_a_time=not staff)
        except services.ReportError as error:  # its figures are not out (jobs.HELD)
            form.add_error("exporter", str(error))
        else:
            return redirect("reporting:job", pk=job.pk)
    jobs.fail_stalled()
    # A seat sees its own exports only (staff's carry personal data); no one a file carrying
    # an export sealed from them.
    jobs_shown = jobs.readable_jobs(
        request.user, ExportJob.objects.select_related("programme", "created_by"))
    page = Paginator(jobs_shown, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reporting/index.html", {
        "form": form, "page": page, "read_only": not staff,
        "audit_programme": Programme.objects.current() if not staff and is_auditor(
            request.user) else None,
        # Who issued a version and their note are staff's working record, not the seats'.
        "versions": ReportVersion.objects.select_related(
            "programme", *(["issued_by"] if staff else []))[:20],
        "programmes": Programme.objects.order_by("-year")})


def _job(request, pk):
    item = get_object_or_404(ExportJob.objects.select_related("programme"), pk=pk)
    if not jobs.may_read_job(request.user, item):
        # A file carrying an export the person may not read (another's, for a seat: a staff
        # member's report carries personal data; a colleague's report attaching the scores
        # sealed from a staff juror): not even its existence.
        raise Http404
    # A job whose worker stopped, or whose task was lost, would otherwise show "running" or
    # "queued" for ever (the periodic task does the same for all jobs; without a worker there
    # is none).
    if item.state in (ExportJob.State.QUEUED, ExportJob.State.RUNNING) and jobs.fail_stalled(
            jobs=ExportJob.objects.filter(pk=pk)):
        item.refresh_from_db()
    return item


@role_required(may_read_reports)
def job(request, pk):
    item = _job(request, pk)
    return render(request, "reporting/job.html", {"job": item, "lost": jobs.was_lost(item)})


@role_required(may_read_reports)
def job_status(request, pk):
    """What the progress bar polls."""
    item = _job(request, pk)
    return JsonResponse({
        "state": item.state, "percent": item.percent, "message": item.message,
        "done": item.done, "total": item.total, "error": bool(item.error),
        "lost": jobs.was_lost(item),
        "download": reverse("reporting:download", args=[item.pk])
        if item.state == ExportJob.State.DONE else ""})


@role_required(may_read_reports)
def download(request, pk):
    item = _job(request, pk)
    if item.state != ExportJob.State.DONE or not item.file:
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename,
                        content_type=item.content_type)


@staff_required
@require_POST
def issue(request):
    year = request.POST.get("programme", "")
    if not year.isdigit():  # the page offers a list of years; anything else is not one
        raise Http404
    programme = get_object_or_404(Programme, year=int(year))
    version = services.issue(programme=programme, by=request.user,
                             note=request.POST.get("note", "")[:300])
    messages.success(request, _("Version %(number)s of the %(year)s report is issued: its "
                                "figures are frozen.") % {"number": version.number,
                                                          "year": programme.year})
    return redirect("reporting:index")
