from django import template

from ozgeris import formats

register = template.Library()


@register.filter
def tenge(amount):
    """{{ grant.amount|tenge }} → 18 950 000 ₸ (in the active language)"""
    return formats.format_tenge(amount)


@register.filter
def get_item(mapping, key):
    """{{ data|get_item:name }}: a dict's value by a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def figure(value):
    """{{ row.actual|figure }} → 12 345, "yes"/"no" for a document, "—" for no data."""
    return formats.figure(value)
