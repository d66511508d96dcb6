"""The picture a finalist's shared link shows (Open Graph): the approved photo, or a card drawn
here with Pillow.

The card is 1200×630 PNG in the portal's colours (``static/css/site.css``) and its own body
font, Noto Sans, from the whole TTF files shipped for the PDFs (``static/fonts/pdf``: the
Kazakh letters included; the web's WOFF2 files are split by script). It names the
organisation, the nomination, the edition and whether it is a finalist or a declared winner, in
the language asked for. A card is drawn once
per text: it is kept in ``MEDIA_ROOT/public/cards/`` under a keyed hash of its text, so a
changed name or title draws a new one and anything else reads the file. The key is an HMAC
(``SECRET_KEY``): the file's name cannot be worked out from a name, so a card is reached only
through the view, which answers for current finalists alone.
"""

import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from applications.models import Status
from ozgeris.models import localized

from .results import announced_winner

WIDTH, HEIGHT = 1200, 630
CARD_FOLDER = "cards"
# Part of every card's key: a change to the drawing below changes this, and every card is
# drawn again.
DRAWING_VERSION = "1"

FONTS = Path(settings.BASE_DIR) / "static" / "fonts" / "pdf"
BOLD = FONTS / "NotoSans-Bold.ttf"
REGULAR = FONTS / "NotoSans-Regular.ttf"

# The portal's colours (static/css/site.css :root).
SKY_900 = "#073b55"
SKY_800 = "#0b5f86"
SKY_100 = "#e3f2f8"
GOLD_500 = "#f2b705"
WHITE = "#ffffff"

MARGIN = 80
TEXT_WIDTH = WIDTH - 2 * MARGIN
NAME_SIZES = (68, 60, 52, 46)
NAME_MAX_LINES = 3


@dataclass(frozen=True)
class CardText:
    name: str
    nomination: str
    edition: str
    standing: str = Status.FINALIST  # or Status.WINNER, whose card says so
    brand: str = "Ozgeris Ustasy"

    def parts(self):
        return (self.brand, self.standing, self.edition, self.name, self.nomination)


def card_text(application, language, *, programme=None):
    """What ``application``'s card says in ``language`` (``programme`` when the caller has
    it already: the application's own): an announced winner's card says it won."""
    standing = Status.WINNER if announced_winner(application) else Status.FINALIST
    with translation.override(language):
        year = {"year": (programme or application.programme).year}
        if standing == Status.WINNER:
            edition = _("Winner of the award · %(year)s") % year
        else:
            edition = _("Finalist of the award · %(year)s") % year
        return CardText(name=application.organisation.name,
                        nomination=localized(application.nomination, "title"),
                        edition=edition, standing=standing)


def card_key(text):
    """A name for the card of ``text``: the same text, the same key; keyed by SECRET_KEY. The
    standing is part of it, so a finalist's card is never served for a winner's."""
    message = "\x1f".join((DRAWING_VERSION, *text.parts()))
    return salted_hmac("ozgeris.voting.share-card", message, algorithm="sha256").hexdigest()[:32]


def card_path(key):
    return Path(storages["public"].path(f"{CARD_FOLDER}/{key}.png"))


def card_png(application, language):
    """The card's PNG bytes, drawn only when no card of this text is kept yet."""
    text = card_text(application, language)
    path = card_path(card_key(text))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    content = render_card(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and moved into place: a request reading the card never sees half of it.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as part:
        part.write(content)
    os.replace(temporary, path)
    return content


# Drawing ------------------------------------------------------------------------------------


def _font(path, size):
    return ImageFont.truetype(str(path), size)


def wrap(draw, text, font, width, max_lines):
    """``text`` in lines no wider than ``width``, broken between words (inside a word only when
    it is wider than a line); past ``max_lines`` the last line ends in an ellipsis."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while draw.textlength(current, font=font) > width:
            cut = len(current) - 1
            while cut > 1 and draw.textlength(current[:cut], font=font) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return kept


def _fitted_name(draw, name):
    """The largest of NAME_SIZES at which the name fits in NAME_MAX_LINES, else the smallest
    with an ellipsis."""
    for size in NAME_SIZES:
        font = _font(BOLD, size)
        lines = wrap(draw, name, font, TEXT_WIDTH, NAME_MAX_LINES + 1)
        if len(lines) <= NAME_MAX_LINES:
            return font, lines
    font = _font(BOLD, NAME_SIZES[-1])
    return font, wrap(draw, name, font, TEXT_WIDTH, NAME_MAX_LINES)


def _sun(draw, x, y, radius):
    """The portal's mark (static/img/mark.svg): a gold sun over a white horizon."""
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=GOLD_500)
    ray = radius * 2.1
    for dx, dy in ((0, -1), (0, 1), (-1, 0), (1, 0), (-0.7, -0.7), (0.7, 0.7), (-0.7, 0.7),
                   (0.7, -0.7)):
        draw.line((x + dx * radius * 1.45, y + dy * radius * 1.45, x + dx * ray, y + dy * ray),
                  fill=GOLD_500, width=max(3, radius // 3))


def render_card(text):
    """The PNG bytes of a card saying ``text``."""
    image = Image.new("RGB", (WIDTH, HEIGHT), SKY_900)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=GOLD_500)
    draw.rectangle((0, 0, 16, HEIGHT - 24), fill=SKY_800)

    _sun(draw, MARGIN + 26, MARGIN + 26, 16)
    draw.text((MARGIN + 72, MARGIN + 26), text.brand, font=_font(BOLD, 36), fill=WHITE,
              anchor="lm")
    draw.text((MARGIN, MARGIN + 96), text.edition, font=_font(BOLD, 30), fill=GOLD_500)

    name_font, name_lines = _fitted_name(draw, text.name)
    line_height = int(name_font.size * 1.22)
    y = MARGIN + 160
    for line in name_lines:
        draw.text((MARGIN, y), line, font=name_font, fill=WHITE)
        y += line_height

    nomination_font = _font(REGULAR, 34)
    nomination = wrap(draw, text.nomination, nomination_font, TEXT_WIDTH, 2)
    y = max(y + 24, HEIGHT - 24 - MARGIN - 44 * len(nomination))
    for line in nomination:
        draw.text((MARGIN, y), line, font=nomination_font, fill=SKY_100)
        y += 44

    buffer = BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
