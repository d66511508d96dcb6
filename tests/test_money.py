from django.template import Context, Template
from django.utils import translation

from ozgeris.formats import format_tenge


def test_tenge_are_grouped_by_spaces_in_russian_and_kazakh():
    assert format_tenge(18_950_000, "ru") == "18\u00a0950\u00a0000\u00a0₸"
    assert format_tenge(500_000, "kk") == "500\u00a0000\u00a0₸"


def test_tenge_in_english_and_edge_values():
    assert format_tenge(7_500_000, "en") == "₸7,500,000"
    assert format_tenge(0, "ru") == "0\u00a0₸"
    assert format_tenge(-1500, "ru") == "−1\u00a0500\u00a0₸"
    assert format_tenge(None) == ""


def test_the_template_filter_follows_the_active_language():
    template = Template("{% load portal %}{{ amount|tenge }}")
    with translation.override("kk"):
        assert template.render(Context({"amount": 18950000})) == "18\u00a0950\u00a0000\u00a0₸"
    with translation.override("en"):
        assert template.render(Context({"amount": 18950000})) == "₸18,950,000"
