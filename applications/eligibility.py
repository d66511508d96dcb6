"""The short check before the long form: what makes an organisation unlikely to qualify.

It advises and never refuses: the jury decides eligibility.
"""

from django.utils.translation import gettext as _

from .models import NON_PROFIT_FORMS


def assess(answers, threshold):
    """Return a list of (level, message): level "ok" or "warning". ``threshold`` is the
    programme's minimum share of entrepreneurial income, in per cent."""
    findings = []
    if answers["registered_non_profit"] != "yes" or answers["legal_form"] not in NON_PROFIT_FORMS:
        findings.append(("warning", _(
            "The award is for non-governmental non-profit organisations registered in "
            "Kazakhstan (ОО, ОФ, КФ, ЧФ, ОЮЛ, НАО). A business such as a ТОО or an individual "
            "entrepreneur is unlikely to qualify.")))
    if answers["full_financial_year"] != "yes":
        findings.append(("warning", _(
            "Applicants send the balance sheet of a full financial year; an organisation "
            "without one cannot show the 80/20 share.")))
    if answers["has_entrepreneurial_income"] != "yes":
        findings.append(("warning", _(
            "At least %(threshold)s %% of an organisation's income must come from "
            "entrepreneurial activity (the 80/20 rule); without such income the application "
            "will not pass it.") % {"threshold": threshold.normalize()}))
    if not findings:
        findings.append(("ok", _(
            "Your organisation looks eligible. Prepare the balance sheet and the certificates "
            "of no tax debt and no creditor debt, then fill in the application.")))
    return findings
