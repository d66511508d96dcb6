"""One mailbox, one vote: the keyed hash that outlives the account.

The one-vote rule on the voter's account alone breaks when the account goes: deleting it
anonymises the link (the voter becomes NULL), and the same address could sign up and vote
again. So each vote's link also carries HMAC-SHA256(key, programme ‖ scope ‖ canonical email),
unique in the database. The key (settings.VOTE_MAILBOX_KEY) stays on the server: the hash
survives the deletion and still identifies no one to whoever reads the table without it.
Social accounts vote with their verified login email and are counted the same way.
"""

import hashlib
import hmac

from django.conf import settings

from ozgeris.emails import canonical_email, canonical_email_before_2026_12


def mailbox_hash(email, programme_id, scope, form=canonical_email):
    material = f"{programme_id}|{scope}|{form(email)}"
    return hmac.new(settings.VOTE_MAILBOX_KEY.encode(), material.encode(),
                    hashlib.sha256).hexdigest()


def earlier_mailbox_hashes(email, programme_id, scope):
    """The hashes the same mailbox was linked under by earlier rules of the canonical form,
    where they differ from today's: a vote cast before a change of the rules (migration
    ozgeris 0013) carries its own, and an account deleted since cannot have its link
    recomputed, so a vote looks for these too."""
    today = mailbox_hash(email, programme_id, scope)
    earlier = {mailbox_hash(email, programme_id, scope, form=form)
               for form in (canonical_email_before_2026_12,)}
    return sorted(earlier - {today})
