"""The embedded default's mail backend: to the console and to files under var/mail/."""

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(BaseEmailBackend):
    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        settings.EMAIL_FILE_PATH.mkdir(parents=True, exist_ok=True)
        self.backends = [
            ConsoleBackend(fail_silently=fail_silently),
            FileBackend(fail_silently=fail_silently, file_path=str(settings.EMAIL_FILE_PATH)),
        ]

    def send_messages(self, email_messages):
        sent = 0
        for backend in self.backends:
            sent = backend.send_messages(email_messages)
        return sent
