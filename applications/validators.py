"""Field validators: the Kazakh BIN checksum and the video hosts a finalist page can embed."""

from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_FIRST_WEIGHTS = range(1, 12)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

VIDEO_HOSTS = {
    "youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be",
    "facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com", "fb.watch",
    "instagram.com", "www.instagram.com",
}


def bin_checksum_ok(value):
    """The 12th digit of a BIN/IIN is a checksum of the first eleven (weights 1..11, and
    if that gives 10, weights 3..11,1,2; a second 10 makes the number invalid)."""
    if len(value) != 12 or not value.isdigit():
        return False
    digits = [int(ch) for ch in value]
    control = sum(d * w for d, w in zip(digits[:11], _FIRST_WEIGHTS, strict=True)) % 11
    if control == 10:
        control = sum(d * w for d, w in zip(digits[:11], _SECOND_WEIGHTS, strict=True)) % 11
        if control == 10:
            return False
    return control == digits[11]


def validate_bin(value):
    if len(value) != 12 or not value.isdigit():
        raise ValidationError(_("A BIN has exactly 12 digits."), code="bin_format")
    if not bin_checksum_ok(value):
        raise ValidationError(
            _("This BIN's check digit does not match; please check the number."),
            code="bin_checksum",
        )


def validate_video_url(value):
    host = (urlparse(value).hostname or "").lower()
    if urlparse(value).scheme != "https" or host not in VIDEO_HOSTS:
        raise ValidationError(
            _("Give an https link to YouTube, Facebook or Instagram."), code="video_host"
        )
