"""What the report part carries over to next year's edition: the indicator framework (tasks,
activities with their narratives, indicators with their targets and sources) and the
appendices. Not the grant (a new one each year), nor manual values, nor issued versions."""

from .models import Appendix, Task

TITLES = ("title_ru", "title_kk", "title_en")


def _copy(instance, **changes):
    fields = {field.attname: getattr(instance, field.attname)
              for field in instance._meta.concrete_fields if not field.primary_key}
    fields.update(changes)
    return type(instance).objects.create(**fields)


def copy_framework(*, source, target):
    appendices = {appendix.pk: _copy(appendix, programme_id=target.pk)
                  for appendix in Appendix.objects.filter(programme=source)}
    for task in Task.objects.filter(programme=source).prefetch_related(
            "activities__indicators"):
        new_task = _copy(task, programme_id=target.pk)
        for activity in task.activities.all():
            new_activity = _copy(activity, task_id=new_task.pk)
            for indicator in activity.indicators.all():
                new_appendix = appendices.get(indicator.appendix_id)
                _copy(indicator, activity_id=new_activity.pk, manual_value=None,
                      manual_reason="", manual_evidence="", original_line=None,
                      appendix_id=new_appendix.pk if new_appendix else None)
