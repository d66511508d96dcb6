"""The admin's words that no catalogue reaches.

Django writes a yes/no column's icon as ``<img alt="True">``, in English whatever the language
(``admin_list._boolean_icon``, used by the change lists, the read-only fields and the inlines);
a screen reader says "True" on a Kazakh page. ``install()`` replaces it with the same icon whose
alt text is translated. Django's sentences built from a model's name ("Выберите заявка для
изменения") are reworded in the catalogues instead: vendor_locale/ru and vendor_locale/kk.

Called once from ``ozgeris.apps.PortalAdminConfig.ready``. The function is private to Django:
``tests/test_working_side_wording.py`` fails if an upgrade moves it (the alt turns English)."""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

ICONS = {True: "yes", False: "no", None: "unknown"}


def boolean_icon(field_val):
    """Django's icon for True, False or None, with the alt text in the reader's language."""
    text = {True: _("Yes"), False: _("No"), None: _("Unknown")}[field_val]
    return format_html('<img src="{}" alt="{}">',
                       static(f"admin/img/icon-{ICONS[field_val]}.svg"), text)


def install():
    admin_list._boolean_icon = boolean_icon
