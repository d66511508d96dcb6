"""Email addresses: the canonical form that makes one person one account, and disposable domains.

The policy of ``canonical_email``
---------------------------------
One person, one vote rests on ``User.canonical_email`` being unique, so the canonical form
must fold every spelling that reaches the same mailbox. The two ways it can be wrong cost
differently:

* a missed merge (two spellings of one mailbox, two forms) is a second account and a second
  vote, silently;
* a false merge (two real mailboxes, one form) refuses the second person's sign-up with a
  clear message (``ozgeris.accounts.duplicate_refusal``, or with enumeration prevention the
  owner is mailed), and staff can sort it out.

So where in doubt the form merges. In order:

1. Invisible characters (Unicode format characters: zero-width space and joiners, BOM, soft
   hyphen, word joiner) go, wherever they are, and surrounding whitespace.
2. NFKC, then casefold, then NFKC again (Unicode's NFKC_Casefold), so that compatibility
   spellings (full-width ``ｇｍａｉｌ.com``, ``＠``) and case are one.
3. The domain loses trailing dots (``gmail.com.`` is the root-anchored ``gmail.com``) and is
   written in ASCII (IDNA, the ``xn--`` form), each ``xn--`` label decoded and folded first,
   so the Unicode and the punycode spelling of a domain give one form. Python's own IDNA
   codec (IDNA 2003 over Unicode 3.2) is used: it does not change with library upgrades.
4. A quoted local part whose content is a plain dot-atom is unquoted (RFC 5321 §4.1.2:
   ``"ivan"@mail.ru`` is ``ivan@mail.ru``); ``\\x`` escapes inside quotes are ``x``.
5. ``+tag`` is dropped at every domain. Sub-addressing with ``+`` (RFC 5233) is what Gmail,
   Outlook/Hotmail/Live, Yandex, iCloud, Fastmail, Proton and the usual server software
   (Postfix, Exim, Exchange, Sieve) do; Mail.ru's behaviour is not documented either way, and
   a domain that hands ``ivan+a`` and ``ivan+b`` to two different people is rare enough that a
   false merge there is the cheaper mistake. An address that starts with ``+`` keeps it.
6. Providers whose domains share one namespace are written with one domain, and providers
   that ignore characters in the login lose them:

   ============ =========================================== ==============================
   provider     domains folded into the first               login characters ignored
   ============ =========================================== ==============================
   Gmail        gmail.com, googlemail.com                   ``.``
   Yandex       yandex.ru, yandex.kz, yandex.com, yandex.by, ``.`` is ``-`` (written ``-``)
                yandex.ua, ya.ru, narod.ru
   Proton       proton.me, protonmail.com, protonmail.ch,   ``.`` ``-`` ``_``
                pm.me
   iCloud       icloud.com, me.com, mac.com                 none
   Fastmail     none (fastmail.com and fastmail.fm are two  none; ``x@ivan.fastmail.com``
                namespaces)                                 is ``ivan@fastmail.com``
   ============ =========================================== ==============================

   Outlook.com, Hotmail and Live are *not* folded into each other: ``ivan@hotmail.com`` and
   ``ivan@outlook.com`` can be two people. The Mail.ru family (mail.ru, inbox.ru, list.ru,
   bk.ru, internet.ru) are likewise separate namespaces with significant dots.

What it does not catch: a person with a domain of their own (or a catch-all) has as many
mailboxes as they like, and a look-alike domain in another script is another domain. The
form is only ever compared, never mailed to: mail goes to the address as the person typed it.
It is also hashed: the vote's mailbox hash (``voting.mailbox``) and the unsubscribe list
(``segment_mail.address_hash``), so a change of the rules changes those hashes too.

``canonical_email(canonical_email(a)) == canonical_email(a)``: the form of a form is itself,
which the sign-in's rate-limit keys rely on (``ozgeris.accounts``). A stored form that no longer
matches this function (after a change of the rules) is what
``manage.py canonical_email_collisions`` lists; migration 0013 brought the stored forms to
this version.
"""

import hashlib
import re
import unicodedata

from disposable_email_domains import blocklist as _disposable_domains

GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
# Each mail service whose domains share one namespace: domain -> the domain written.
DOMAIN_ALIASES = {
    **dict.fromkeys(GMAIL_DOMAINS, "gmail.com"),
    **dict.fromkeys(["yandex.ru", "yandex.kz", "yandex.com", "yandex.by", "yandex.ua", "ya.ru",
                     "narod.ru"], "yandex.ru"),
    **dict.fromkeys(["proton.me", "protonmail.com", "protonmail.ch", "pm.me"], "proton.me"),
    **dict.fromkeys(["icloud.com", "me.com", "mac.com"], "icloud.com"),
}
# Services with sub-domain addressing: ``anything@login.<domain>`` is ``login@<domain>``.
SUBDOMAIN_ADDRESSING = {"fastmail.com"}
# Characters a service ignores in its logins: (characters, what they become).
LOGIN_FOLDS = {"gmail.com": (".", ""), "yandex.ru": (".", "-"), "proton.me": (".-_", "")}

# RFC 5322 atext, with any non-ASCII character allowed as RFC 6531 allows it.
_DOT_ATOM = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
                       r"(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+)*")
# The longest form ``User.canonical_email`` holds; a longer one (an IDNA domain grows when
# encoded) is written as its digest instead, which no address spells.
MAX_LENGTH = 254
# Label separators IDNA treats as a dot (ideographic and half-width full stops).
_IDNA_DOTS = str.maketrans({"\u3002": ".", "\uff61": "."})


def _folded(text):
    """Format characters removed, NFKC_Casefold applied, surrounding whitespace stripped."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return text.strip()


def _ascii_domain(domain):
    """``domain`` in its ASCII (IDNA) form; a label IDNA refuses, or one with a space in it
    (no mail domain has one: folding its decoded form would strip the space and the form of
    a form would differ), is kept as it is."""
    labels = []
    for label in domain.translate(_IDNA_DOTS).rstrip(".").split("."):
        if any(ch.isspace() for ch in label):
            labels.append(label)
            continue
        try:
            if label.startswith("xn--"):
                label = _folded(label.encode("ascii").decode("idna"))
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            labels.append(label)
    return ".".join(labels)


def _unquoted(local):
    """The content of a quoted local part, or ``local`` itself when it is not quoted."""
    if len(local) >= 2 and local[0] == local[-1] == '"':
        return re.sub(r"\\(.)", r"\1", local[1:-1])
    return local


def _written(local):
    """``local`` as it is written in an address: quoted only when it must be."""
    if _DOT_ATOM.fullmatch(local):
        return local
    return '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'


def canonical_email(address):
    """The form every spelling of one mailbox shares (the policy is the module's docstring)."""
    address = _folded(address or "")
    local, sep, domain = address.rpartition("@")
    if not (sep and local and domain):
        return address
    local = _unquoted(local)
    domain = _ascii_domain(domain)
    head, dot, parent = domain.partition(".")
    if parent in SUBDOMAIN_ADDRESSING and head:
        local, domain = head, parent
    domain = DOMAIN_ALIASES.get(domain, domain)
    if "+" in local[1:]:
        local = local[0] + local[1:].split("+", 1)[0]
    characters, replacement = LOGIN_FOLDS.get(domain, ("", ""))
    folded = local
    for character in characters:
        folded = folded.replace(character, replacement)
    form = f"{_written(folded or local)}@{domain}"
    if len(form) > MAX_LENGTH:
        return f"sha256:{hashlib.sha256(form.encode()).hexdigest()}"
    return form


def canonical_email_before_2026_12(address):
    """The form the rules gave before migration 0013 (lower case; Gmail's dots and ``+tag``
    removed, googlemail.com as gmail.com). Votes cast then are linked to the hash of this form
    (voting.mailbox), and a deleted account's link cannot be recomputed: the vote asks for it
    too."""
    address = (address or "").strip().lower()
    local, sep, domain = address.rpartition("@")
    if not sep:
        return address
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def is_disposable(address):
    """True for an address at a throwaway-mailbox domain (or a subdomain of one), however the
    domain is spelled (full-width, with a trailing dot: folded as ``canonical_email`` folds)."""
    domain = _ascii_domain(_folded((address or "").rpartition("@")[2]))
    parts = domain.split(".")
    return any(".".join(parts[i:]) in _disposable_domains for i in range(len(parts) - 1))
