"""Email addresses: the canonical form that makes one person one account, and disposable domains."""

from disposable_email_domains import blocklist as _disposable_domains

# Mail services that ignore dots in the local part and deliver "+tag" addresses to the same box.
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def canonical_email(address):
    """The form two addresses of one mailbox share.

    Lower-cased everywhere; for gmail.com/googlemail.com the dots and any ``+tag``
    are removed and the domain is gmail.com.
    """
    address = (address or "").strip().lower()
    local, sep, domain = address.rpartition("@")
    if not sep:
        return address
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def is_disposable(address):
    """True for an address at a throwaway-mailbox domain (or a subdomain of one)."""
    domain = (address or "").rpartition("@")[2].strip().lower()
    parts = domain.split(".")
    return any(".".join(parts[i:]) in _disposable_domains for i in range(len(parts) - 1))
