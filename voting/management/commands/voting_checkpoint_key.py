"""Make a key for the vote's signed checkpoints: voting_checkpoint_key [--public].

Prints a new Ed25519 private key for VOTE_CHECKPOINT_KEY (keep it in the environment or a
secret store, never in the database) with its public key; ``--public`` prints the public key
the portal signs with now.
"""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand

from voting.checkpoints import PortalKey, signing_key


class Command(BaseCommand):
    help = "Print a new private key for VOTE_CHECKPOINT_KEY and its public key."

    def add_arguments(self, parser):
        parser.add_argument("--public", action="store_true",
                            help="print the public key of the key configured now instead")

    def handle(self, *args, public=False, **options):
        if public:
            key = signing_key()
            if key.development:
                self.stdout.write(self.style.WARNING(
                    "No VOTE_CHECKPOINT_KEY is set: this is the development key derived from "
                    "SECRET_KEY."))
            self._public(key)
            return
        key = PortalKey(Ed25519PrivateKey.generate(), development=False)
        raw = key.private.private_bytes(serialization.Encoding.Raw,
                                        serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
        self.stdout.write("Private key (keep it secret; set it in the environment):")
        self.stdout.write(f"VOTE_CHECKPOINT_KEY={base64.b64encode(raw).decode()}")
        self._public(key)

    def _public(self, key):
        self.stdout.write(f"Public key (Ed25519, hex): {key.public_hex}")
        self.stdout.write(f"Key id: {key.key_id}")
        self.stdout.write(key.public_pem.rstrip())
