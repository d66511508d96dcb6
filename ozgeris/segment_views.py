"""Staff's messages to segments (/staff/messages/) and the unsubscribe link's pages
(/unsubscribe/<token>/). The rules are in ``ozgeris.segment_mail``; these pages validate the
form, ask the service, and show what it answers."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from . import segment_mail
from .models import Programme, SegmentMessage
from .permissions import staff_required

MESSAGES_PER_PAGE = 20


def _segment_choices():
    return [(segment.name, segment.title) for segment in segment_mail.segments()]


class SegmentMessageForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.all(), label=gettext_lazy("Programme"),
                                       empty_label=None)
    segment = forms.ChoiceField(choices=_segment_choices, label=gettext_lazy("Recipients"))
    subject_ru = forms.CharField(label=gettext_lazy("Subject (Russian)"), max_length=200)
    body_ru = forms.CharField(label=gettext_lazy("Text (Russian)"), max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 8}))
    subject_kk = forms.CharField(label=gettext_lazy("Subject (Kazakh)"), max_length=200,
                                 required=False)
    body_kk = forms.CharField(label=gettext_lazy("Text (Kazakh)"), max_length=10000,
                              required=False, widget=forms.Textarea(attrs={"rows": 8}))
    subject_en = forms.CharField(label=gettext_lazy("Subject (English)"), max_length=200,
                                 required=False)
    body_en = forms.CharField(label=gettext_lazy("Text (English)"), max_length=10000,
                              required=False, widget=forms.Textarea(attrs={"rows": 8}))
    confirm_repeat = forms.BooleanField(
        label=gettext_lazy("Yes, send it again: I know these people got a message from us a "
                           "few minutes ago."), required=False)
    # The message the confirmation was given after: a second click sends nothing more.
    repeat_of = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        texts = {name: cleaned.get(name, "") for name in self.text_fields()}
        for name, problem in segment_mail.text_problems(texts).items():
            if name not in self.errors:
                self.add_error(name, problem)
        return cleaned

    @staticmethod
    def text_fields():
        return [f"{part}_{language}" for language in segment_mail.LANGUAGES
                for part in ("subject", "body")]

    def texts(self):
        return {name: self.cleaned_data.get(name, "") for name in self.text_fields()}


@staff_required
def message_list(request):
    """The messages sent so far, newest first, with their delivery counts."""
    sent = segment_mail.with_delivery_counts(
        SegmentMessage.objects.select_related("programme", "author")
    ).order_by("-created_at", "-id")  # a query with counts ignores Meta.ordering
    page = Paginator(sent, MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    for message in page:
        message.segment_title = segment_mail.segment_title(message.segment)
    return render(request, "ozgeris/messages/list.html",
                  {"title": gettext("Messages to groups"), "page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def compose(request):
    """Write, preview (action "preview") and send (action "send") a message to a segment."""
    if request.method == "GET":
        form = SegmentMessageForm(initial={"programme": Programme.objects.current()})
        return render(request, "ozgeris/messages/compose.html",
                      {"title": gettext("Write to a group"), "form": form})
    form = SegmentMessageForm(request.POST)
    context = {"title": gettext("Write to a group"), "form": form}
    if form.is_valid():
        programme, segment = form.cleaned_data["programme"], form.cleaned_data["segment"]
        if request.POST.get("action") == "send":
            try:
                message = segment_mail.send_segment_message(
                    programme=programme, segment_name=segment, texts=form.texts(),
                    by=request.user,
                    confirm_repeat=(form.cleaned_data["confirm_repeat"]
                                    and form.cleaned_data["repeat_of"]))
            except segment_mail.SegmentMailError as refused:
                form.add_error("confirm_repeat" if refused.needs_confirmation else None,
                               str(refused))
                context["needs_confirmation"] = refused.needs_confirmation
                context["repeat_of"] = refused.latest
            else:
                count = message.recipients_count
                messages.success(request, ngettext(
                    "The message is on its way to %(count)s person.",
                    "The message is on its way to %(count)s people.", count) % {"count": count})
                return redirect("segment_mail:detail", pk=message.pk)
        people, samples = segment_mail.preview(programme=programme, segment_name=segment,
                                               texts=form.texts())
        context.update(audience=people, samples=samples, previewed=True,
                       can_send=bool(samples))
    return render(request, "ozgeris/messages/compose.html", context)


@staff_required
def message_detail(request, pk):
    message = get_object_or_404(segment_mail.with_delivery_counts(
        SegmentMessage.objects.select_related("programme", "author")), pk=pk)
    message.segment_title = segment_mail.segment_title(message.segment)
    texts = [(code, getattr(message, f"subject_{code}"), getattr(message, f"body_{code}"))
             for code in segment_mail.LANGUAGES]
    return render(request, "ozgeris/messages/detail.html",
                  {"title": message.subject_ru, "message": message,
                   "texts": [text for text in texts if text[1] or text[2]]})


@csrf_exempt  # only the one-click request; the page and its button are protected below
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """The unsubscribe link of a message to a segment: no sign-in; a page with a button, so a
    mail scanner that follows links unsubscribes no one. A forged link gets a 400.

    The link is also the mail's ``List-Unsubscribe`` header, and a mail provider's RFC 8058
    one-click request (a POST of ``List-Unsubscribe=One-Click``, with no cookie, so no CSRF
    token) records the opt-out too, answered in plain text: the signed token is the authority
    (it names the one address it opts out). Every other request is CSRF-checked as usual."""
    if request.method == "POST" and (request.POST.get(segment_mail.ONE_CLICK_FIELD)
                                     == segment_mail.ONE_CLICK_VALUE):
        return _one_click_unsubscribe(token)
    return _unsubscribe_page(request, token)


def _one_click_unsubscribe(token):
    if not segment_mail.unsubscribe(token=token):
        return HttpResponse(gettext("This unsubscribe link is not valid. Open the link exactly "
                                    "as it stands in the email."),
                            status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(gettext("Done: this address will no longer receive news and messages of "
                                "the Ozgeris Ustasy programme. Mail you ask for yourself "
                                "(sign-in codes, your vote's receipt) still comes."),
                        content_type="text/plain; charset=utf-8")


@csrf_protect
def _unsubscribe_page(request, token):
    """The page and its button (a POST with the page's CSRF token)."""
    if segment_mail.read_unsubscribe_token(token) is None:
        return render(request, "ozgeris/messages/unsubscribe.html", {"invalid": True},
                      status=400)
    if request.method == "POST":
        segment_mail.unsubscribe(token=token)
        return render(request, "ozgeris/messages/unsubscribe.html", {"done": True})
    return render(request, "ozgeris/messages/unsubscribe.html", {})
