from django import template

from ozgeris.money import format_tenge

register = template.Library()


@register.filter
def tenge(amount):
    """{{ grant.amount|tenge }} → 18 950 000 ₸"""
    return format_tenge(amount)
