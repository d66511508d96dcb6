"""What the jury part carries over to next year's edition, and the default criteria."""

from .models import Criterion, JurySettings

DEFAULT_CRITERIA = [
    ("social-impact", "Социальное воздействие", "Әлеуметтік әсер", "Social impact"),
    ("business-model", "Бизнес-модель", "Бизнес-модель", "Business model"),
]
DEFAULT_LABELS = {
    "ru": ["1 — очень слабо", "2 — слабо", "3 — удовлетворительно", "4 — хорошо", "5 — отлично"],
    "kk": ["1 — өте әлсіз", "2 — әлсіз", "3 — қанағаттанарлық", "4 — жақсы", "5 — өте жақсы"],
    "en": ["1 — very weak", "2 — weak", "3 — adequate", "4 — good", "5 — excellent"],
}


def ensure_default_criteria(programme):
    """The 2019 criteria (report, lines 228–229) when a programme has none yet."""
    if Criterion.objects.filter(programme=programme).exists():
        return
    Criterion.objects.bulk_create(
        Criterion(programme=programme, code=code, order=order, title_ru=ru, title_kk=kk,
                  title_en=en, scale_labels=DEFAULT_LABELS["ru"],
                  scale_labels_kk=DEFAULT_LABELS["kk"], scale_labels_en=DEFAULT_LABELS["en"])
        for order, (code, ru, kk, en) in enumerate(DEFAULT_CRITERIA, start=1))


def copy_jury_setup(*, source, target):
    """Criteria (with weights and labels) and the jury settings; members are chosen anew."""
    Criterion.objects.bulk_create(
        Criterion(programme=target, code=c.code, order=c.order, title_ru=c.title_ru,
                  title_kk=c.title_kk, title_en=c.title_en, weight=c.weight,
                  scale_labels=c.scale_labels, scale_labels_kk=c.scale_labels_kk,
                  scale_labels_en=c.scale_labels_en)
        for c in Criterion.objects.filter(programme=source))
    settings = JurySettings.objects.filter(programme=source).first()
    if settings:
        JurySettings.objects.create(
            programme=target, others_scores_visible=settings.others_scores_visible,
            ranking=settings.ranking, feedback_shows_scores=settings.feedback_shows_scores)
