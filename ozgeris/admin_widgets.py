"""The admin's autocomplete pickers with valid HTML.

Django renders a required autocomplete field as ``<select required>`` holding only the chosen
option, so on an add form it holds none: HTML forbids an empty required single select (the
Nu Html Checker, run by ``make e2e``, says so). The portal's picker starts with an empty option
labelled as Django's other pickers label theirs; the form still refuses an empty choice."""

from django.contrib.admin.widgets import AutocompleteSelect

EMPTY_LABEL = "---------"  # as Django's other pickers: an empty option must have a text


class PortalAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        if self.is_required and not any(value):
            groups.insert(0, (None, [self.create_option(name, "", EMPTY_LABEL, False, 0)], 0))
        return groups


class ValidAutocompleteMixin:
    """For a ModelAdmin with ``autocomplete_fields``: its foreign keys use the picker above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PortalAutocompleteSelect(db_field, self.admin_site,
                                                        using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
