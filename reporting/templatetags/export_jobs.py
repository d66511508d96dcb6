"""Export jobs as staff read them: the exporter's title and the language's name, never the
slugs stored on the job ("report", "kk")."""

from django import template

from reporting import jobs

register = template.Library()

register.filter("exporter_title", jobs.exporter_title)
register.filter("language_name", jobs.language_name)
