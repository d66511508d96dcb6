"""The admin's autocomplete pickers are valid HTML and still required (ozgeris/admin_widgets.py)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_required_picker_starts_with_an_empty_option_and_an_empty_choice_is_refused(
        client, staff, open_programme):
    client.force_login(staff)
    url = reverse("admin:applications_deadlineextension_add")

    page = client.get(url).content.decode()
    picker = re.search(r'<select name="organisation"[^>]*>(.*?)</select>', page, re.S)

    assert picker and "required" in picker.group(0).split(">")[0]
    assert picker.group(1).strip() == '<option value="">---------</option>'
    response = client.post(url, {"programme": open_programme.pk, "organisation": "",
                                 "until_0": "01.01.2031", "until_1": "18:00:00",
                                 "reason": "Банк"})
    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
