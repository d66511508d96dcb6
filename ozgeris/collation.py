"""Alphabetical order for Russian and Kazakh text: Python compares code points, which put the
Kazakh letters (ә ғ қ ң ө ұ ү һ і) after я. One key for the public directory's lists and the
staff admin's index."""

# Kazakh Cyrillic in alphabetical order; without its own letters it is the Russian alphabet.
_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_ALPHABET_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}


def collation_key(text):
    """Sort Russian and Kazakh names in alphabetical order (code points put ә, қ, ү… last)."""
    return tuple(
        (0, _ALPHABET_RANK[ch]) if ch in _ALPHABET_RANK else (1, ord(ch))
        for ch in str(text).casefold()
    )
