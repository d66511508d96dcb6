"""The jury panel's forms: the scoring matrix, a conflict declaration and the cut.

They only read and validate input; every rule (who may score, submit once, 1–5) is
``jury.services``'s.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import SCORE_MAX, SCORE_MIN

SCALE = range(SCORE_MIN, SCORE_MAX + 1)


def _words(label, number):
    """A scale label without the number it repeats ("4 — хорошо" → "хорошо"): the matrix
    shows the number large and the words under it."""
    for separator in (" — ", " – ", " - ", ". ", ": "):
        if label.startswith(f"{number}{separator}"):
            return label[len(f"{number}{separator}"):]
    return "" if label == str(number) else label


class ScoreForm(forms.Form):
    """One row per criterion: the score (radio inputs over the scale) and a comment."""

    overall_comment = forms.CharField(label=gettext_lazy("Overall comment"), required=False,
                                      max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, criteria, sheet=None, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {score.criterion_id: score for score in sheet.scores.all()} if sheet else {}
        self.criteria = criteria
        for criterion in criteria:
            labels = criterion.labels
            current = existing.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.title, required=False, coerce=int, widget=forms.RadioSelect,
                choices=[(n, labels[n - SCORE_MIN] if n - SCORE_MIN < len(labels) else str(n))
                         for n in SCALE],
                initial=current.value if current else None, disabled=disabled)
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.title},
                required=False, max_length=2000, disabled=disabled,
                initial=current.comment if current else "",
                widget=forms.Textarea(attrs={"rows": 2}))
        if sheet:
            self.fields["overall_comment"].initial = sheet.overall_comment
        self.fields["overall_comment"].disabled = disabled

    def values(self):
        return {c.pk: (self.cleaned_data.get(f"score_{c.pk}"),
                       self.cleaned_data.get(f"comment_{c.pk}", "")) for c in self.criteria}

    def rows(self):
        """What the matrix draws per criterion: (criterion, score field, its choices as
        (radio, number, words), comment field)."""
        rows = []
        for criterion in self.criteria:
            score = self[f"score_{criterion.pk}"]
            choices = [(radio, radio.data["value"], _words(str(radio.choice_label),
                                                           radio.data["value"]))
                       for radio in score]
            rows.append((criterion, score, choices, self[f"comment_{criterion.pk}"]))
        return rows


class ConflictForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why you must abstain"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class CutForm(forms.Form):
    top_n = forms.IntegerField(label=gettext_lazy("Finalists per nomination (top N)"),
                               required=False, min_value=1)
    threshold = forms.DecimalField(label=gettext_lazy("…or a minimum total"), required=False,
                                   min_value=0, decimal_places=2)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("top_n") is None) == (cleaned.get("threshold") is None):
            raise forms.ValidationError(_("Choose either the top N per nomination or a "
                                          "minimum total."))
        return cleaned
