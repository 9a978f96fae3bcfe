"""Pure e-mail rules: the MIME message of a delivery and the meaning of SMTP failures."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest

from notifications.email.message import (
    InvalidMessage,
    build_message,
    classify,
    message_id,
    recipient_address,
)

FROM = "CRM <crm@mail.example.test>"


def delivery(**fields: Any) -> dict[str, Any]:
    """A stored delivery document."""
    return {
        "_id": "req_01",
        "to": "siti@example.test",
        "to_name": "Siti Rahma",
        "subject_line": "Promo Lebaran",
        "body_text": "Halo Siti",
        **fields,
    }


def parsed(raw: bytes) -> EmailMessage:
    """The message as a mail client reads it (7-bit CRLF lines, none over 998)."""
    assert raw.isascii(), "7-bit on the wire"
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\r" not in line and b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 998
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage) and not message.defects
    return message


def built(fields: dict[str, Any], mail_from: str = FROM) -> EmailMessage:
    return parsed(build_message(fields, mail_from=mail_from).data)


def test_message_has_headers_and_both_parts() -> None:
    message = built(delivery(body_html="<p>Halo Siti</p>"))
    assert message["From"] == FROM
    assert message["To"] == "Siti Rahma <siti@example.test>"
    assert message["Subject"] == "Promo Lebaran"
    assert message["Message-ID"] == "<req_01@mail.example.test>"
    assert message.is_multipart()
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "Halo Siti" in text.get_content()
    assert html is not None and "<p>Halo Siti</p>" in html.get_content()


def test_one_click_unsubscribe_headers_when_the_request_has_a_link() -> None:
    url = "https://crm.example.test/api/v1/unsubscribe/tok"
    message = built(delivery(unsubscribe_url=url))
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for absent in (None, "javascript:alert(1)"):
        plain = built(delivery(unsubscribe_url=absent))
        assert plain["List-Unsubscribe"] is None


def test_text_only_message_and_no_header_injection() -> None:
    message = built(delivery(to_name=None, subject_line="Hi\r\nBcc: victim@example.test"))
    assert not message.is_multipart()
    assert message["To"] == "siti@example.test"
    assert message["Subject"] == "Hi Bcc: victim@example.test"
    assert message["Bcc"] is None


def test_non_ascii_headers_and_bodies_survive_the_wire() -> None:
    name = "Siti Ra\u0125ma \u00e9\u00e8 \U0001f600"
    subject = "Diskon 50% untuk Anda \u2014 caf\u00e9 " * 12
    text = "Halo Siti, harga Rp 1.500.000 \u2014 terima kasih!\n" + "x" * 1500 + "\n.\nakhir"
    html = "<p>Halo \u00e9</p>\r\n<p>" + "y" * 2000 + "</p>"
    message = built(
        delivery(to_name=name, subject_line=subject, body_text=text, body_html=html),
        mail_from="Tim CRM \u00e9 <crm@mail.example.test>",
    )
    assert message["To"].addresses[0].display_name == name
    assert message["To"].addresses[0].addr_spec == "siti@example.test"
    assert message["From"].addresses[0].display_name == "Tim CRM \u00e9"
    assert message["Subject"] == subject.strip()
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and rich is not None
    # Python's parser keeps the wire's CRLF in decoded text; a mail client shows lines
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == text
    assert rich.get_content().replace("\r\n", "\n").rstrip("\n") == html.replace("\r\n", "\n")


def test_long_ascii_subject_is_folded_not_cut() -> None:
    subject = "Promo " + "panjang " * 200
    message = built(delivery(subject_line=subject))
    assert message["Subject"] == subject.strip()


@pytest.mark.parametrize(
    "bad", ["not-an-address", "a@", "@example.test", "a@b.test, c@d.test", "x@y.test\r\nBcc: z"]
)
def test_bad_recipient_is_refused(bad: str) -> None:
    with pytest.raises(InvalidMessage):
        recipient_address(bad)


def test_message_id_is_safe_for_any_request_id() -> None:
    assert message_id("req/1 <x>", "crm@localhost") == "<req-1--x-@localhost>"


def test_classify_permanent_and_transient_failures() -> None:
    refused = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(550, "no such user", "x@example.test")]
    )
    assert classify(refused).permanent
    greylisted = aiosmtplib.SMTPRecipientsRefused(
        [aiosmtplib.SMTPRecipientRefused(451, "try later", "x@example.test")]
    )
    assert not classify(greylisted).permanent
    assert "451 try later" in classify(greylisted).error
    assert classify(aiosmtplib.SMTPDataError(554, "rejected")).permanent
    assert not classify(aiosmtplib.SMTPDataError(421, "closing")).permanent
    assert not classify(aiosmtplib.SMTPConnectError("refused")).permanent
    assert not classify(aiosmtplib.SMTPServerDisconnected("gone")).permanent
    assert not classify(aiosmtplib.SMTPReadTimeoutError("slow")).permanent
    assert not classify(aiosmtplib.SMTPAuthenticationError(535, "bad creds")).permanent
    assert not classify(ConnectionRefusedError(111, "refused")).permanent
    assert classify(InvalidMessage("bad address")).permanent
