"""Staff admin of the vote: its settings per programme and the fraud review queue.

A reviewer sees why a vote was flagged and its history, and decides (counted, under review,
invalidated) with a reason; the decision goes through ``review.set_review_status``, never a
plain save. Votes themselves are not editable anywhere. The review shows the flags, not who
voted for whom.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from ozgeris.permissions import is_programme_staff
from ozgeris.vote_window import vote_window_fixed

from . import review
from .models import ReviewStatus, VoteReview, VoteStatusChange, VotingSettings
from .services import VotingError


class StaffOnly:
    def has_module_permission(self, request):
        return is_programme_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_programme_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VotingSettings)
class VotingSettingsAdmin(StaffOnly, admin.ModelAdmin):
    list_display = ["programme", "one_vote_per_nomination", "head_published_at",
                    "results_released_at", "dashboard"]
    fields = ["programme", "one_vote_per_nomination", "statistics_until", "head_sequence",
              "head_digest", "head_published_at", "results_released_at",
              "release_withdrawn_at", "release_withdrawal_reason", "dashboard"]
    readonly_fields = ["programme", "head_sequence", "head_digest", "head_published_at",
                       "results_released_at", "release_withdrawn_at",
                       "release_withdrawal_reason", "dashboard"]

    def has_change_permission(self, request, obj=None):
        return is_programme_staff(request.user)

    def get_readonly_fields(self, request, obj=None):
        """The ballot's rule is fixed once the vote opens: switching to one vote per
        nomination mid-vote would give everyone who voted a vote in each other nomination."""
        fields = list(super().get_readonly_fields(request, obj))
        # Opened by the database's clock, by the same rule that fixes the opening itself (the
        # opening can then no longer be moved into the future to unlock this setting).
        if obj is not None and "voting_opens_at" in vote_window_fixed(obj.programme):
            fields.append("one_vote_per_nomination")
        return fields

    @admin.display(description=_("statistics and results"))
    def dashboard(self, obj):
        return format_html('<a href="{}">{}</a>',
                           reverse("voting:dashboard", args=[obj.programme.year]),
                           _("Open the vote's page"))


class ReviewForm(forms.ModelForm):
    status = forms.ChoiceField(label=capfirst(_("decision")), choices=ReviewStatus.choices)
    reason = forms.CharField(label=capfirst(_("reason")),
                             widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = VoteReview
        fields = ["status", "reason"]


@admin.register(VoteReview)
class VoteReviewAdmin(StaffOnly, admin.ModelAdmin):
    form = ReviewForm
    list_display = ["vote", "programme", "status", "rules", "cast_at", "changed_at"]
    list_filter = ["status", "vote__programme", "vote__flags__rule"]
    list_select_related = ["vote", "vote__programme"]
    list_per_page = 50
    readonly_fields = ["vote", "programme", "cast_at", "rules", "history"]
    fields = ["vote", "programme", "cast_at", "rules", "history", "status", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("vote__flags")

    def has_change_permission(self, request, obj=None):
        return is_programme_staff(request.user)

    @admin.display(description=_("programme"))
    def programme(self, obj):
        return obj.vote.programme

    @admin.display(description=_("cast at"))
    def cast_at(self, obj):
        # A read-only field Django fills from a method is printed as it comes (str() of a
        # datetime, in UTC): written here as the changelist writes it, in Almaty time.
        return display_for_value(obj.vote.cast_at, self.get_empty_value_display())

    @admin.display(description=_("why flagged"))
    def rules(self, obj):
        return "; ".join(f"{flag.get_rule_display()} ({flag.detail})" if flag.detail
                         else str(flag.get_rule_display()) for flag in obj.vote.flags.all())

    @admin.display(description=_("history"))
    def history(self, obj):
        changes = VoteStatusChange.objects.filter(vote=obj.vote).select_related("by")
        return format_html_join(
            mark_safe("<br>"), "{} · {} → {} · {} · {}",
            ((localtime(change.at).strftime("%d.%m.%Y %H:%M"), change.get_previous_display(),
              change.get_status_display(), change.by or _("automatic checks"), change.reason)
             for change in changes)) or "—"

    def save_model(self, request, obj, form, change):
        """The decision goes through the review service (history, audit, tally)."""
        try:
            review.set_review_status(vote=obj.vote, status=form.cleaned_data["status"],
                                     by=request.user, reason=form.cleaned_data["reason"])
        except VotingError as error:
            messages.error(request, str(error))
