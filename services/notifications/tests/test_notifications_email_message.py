"""Pure e-mail rules: the MIME message of a delivery and the meaning of SMTP failures."""

from __future__ import annotations

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


def test_message_has_headers_and_both_parts() -> None:
    message = build_message(delivery(body_html="<p>Halo Siti</p>"), mail_from=FROM)
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
    message = build_message(delivery(unsubscribe_url=url), mail_from=FROM)
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for absent in (None, "javascript:alert(1)"):
        plain = build_message(delivery(unsubscribe_url=absent), mail_from=FROM)
        assert plain["List-Unsubscribe"] is None


def test_text_only_message_and_no_header_injection() -> None:
    message = build_message(
        delivery(to_name=None, subject_line="Hi\r\nBcc: victim@example.test"), mail_from=FROM
    )
    assert not message.is_multipart()
    assert message["To"] == "siti@example.test"
    assert message["Subject"] == "Hi Bcc: victim@example.test"
    assert message["Bcc"] is None


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
