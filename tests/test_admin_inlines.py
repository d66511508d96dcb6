"""Every inline of the staff admin lists what is recorded without blank forms under it
(``ozgeris.admin.NoEmptyRows``); staff add a row with "Add another"."""

from django.contrib import admin


def test_no_inline_adds_blank_rows():
    inlines = {inline for model_admin in admin.site._registry.values()
               for inline in model_admin.inlines}
    assert inlines
    assert {inline.__name__ for inline in inlines if inline.extra != 0} == set()
