"""Development mail: printed to the console and kept as files under var/mail/."""

import sys

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(FileBackend):
    def write_message(self, message):
        super().write_message(message)
        text = message.message().as_bytes().decode(errors="replace")
        sys.stdout.write(f"{text}\n{'-' * 79}\n")
        sys.stdout.flush()
