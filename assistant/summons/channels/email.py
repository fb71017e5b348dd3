"""E-mail through SMTP with aiosmtplib; the Message-ID is derived from the idempotency key,
so a resend after a crash is the same message to the mail system."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from assistant.summons.channels.base import ChannelDead, Contact, Outgoing, RetryLater, SendFailed


class EmailChannel:
    name = "email"
    idempotent = True

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = True,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def reaches(self, contact: Contact) -> bool:
        return bool(contact.email)

    def compose(self, out: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = out.contact.email
        mail["Subject"] = out.message.title
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{out.key}@alqabi.summons>"
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content("\n\n".join(out.message.paragraphs))
        return mail

    async def send(self, out: Outgoing) -> str:
        mail = self.compose(out)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                start_tls=self.starttls,
                username=self.username,
                password=self.password,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise ChannelDead("email: recipient refused") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise SendFailed(f"email: {exc.code}") from exc
            raise RetryLater(f"email: {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise RetryLater(f"email: {type(exc).__name__}") from exc
        return str(mail["Message-ID"])

    async def close(self) -> None:
        return None
