"""Kazakh bank details: the IIK (the account, an IBAN starting KZ), the BIK (the bank's SWIFT
code) and the KBe (the beneficiary's residency and economic-sector code)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_IIK = re.compile(r"^KZ\d{2}[0-9A-Z]{16}$")
_BIK = re.compile(r"^[A-Z]{4}KZ[0-9A-Z]{2}([0-9A-Z]{3})?$")
_KBE = re.compile(r"^[12][1-9]$")


# Unicode's explicit direction controls: the marks (LRM, RLM, ALM), embeddings and overrides
# (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(value):
    """``value`` without direction controls: none belongs in a Russian or Kazakh name, and an
    override (RLO) in a contract's details would print the legal text after it reversed."""
    return _BIDI_CONTROLS.sub("", value)


def compact(value):
    return re.sub(r"\s+", "", value or "").upper()


def iban_checksum_ok(value):
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    moved = value[4:] + value[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def validate_iik(value):
    value = compact(value)
    if not _IIK.match(value):
        raise ValidationError(
            _("An IIK has 20 characters: KZ, two check digits, then 16 letters or digits."),
            code="iik_format")
    if not iban_checksum_ok(value):
        raise ValidationError(_("This IIK's check digits do not match; please check it."),
                              code="iik_checksum")


def validate_bik(value):
    if not _BIK.match(compact(value)):
        raise ValidationError(_("A BIK is the bank's 8 or 11-character code, e.g. HSBKKZKX."),
                              code="bik_format")


def validate_kbe(value):
    if not _KBE.match(compact(value)):
        raise ValidationError(
            _("A KBe has two digits: 1 or 2 (resident or not), then the sector, 1 to 9."),
            code="kbe_format")
