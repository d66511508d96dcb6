"""Template context every page shares: the current programme and the signed-in person's roles."""

from django.utils.functional import SimpleLazyObject

from .models import Programme
from .permissions import is_juror, is_programme_staff, may_read_reports


def portal(request):
    user = request.user
    programme = SimpleLazyObject(Programme.objects.current)

    def stage_status():
        return programme.stage_status() if programme else (None, None)

    return {
        "current_programme": programme,
        "current_stage": SimpleLazyObject(stage_status),
        "user_is_programme_staff": SimpleLazyObject(lambda: is_programme_staff(user)),
        "user_is_juror": SimpleLazyObject(lambda: is_juror(user)),
        "user_may_read_reports": SimpleLazyObject(lambda: may_read_reports(user)),
    }
