"""The local SMTP sink: a real process on a free loopback port, stopped by its PID."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from crm_devstack.mailsink import list_mail
from crm_devstack.servers import start_mail_sink
from crm_devstack.services import local_settings


def test_sink_writes_each_message_to_the_folder(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    sink = start_mail_sink(mail_dir=mail_dir, log_path=tmp_path / "mail.log")
    try:
        message = EmailMessage()
        message["From"] = "crm@localhost"
        message["To"] = "siti@example.co.id"
        message["Subject"] = "Selamat datang, Siti"
        message.set_content("Terima kasih telah menghubungi kami.")
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.send_message(message)
            client.send_message(message, to_addrs=["budi@example.co.id"])
    finally:
        sink.stop()
    assert not sink.alive()
    stored = list_mail(mail_dir)
    assert len(stored) == 2
    assert {m.subject for m in stored} == {"Selamat datang, Siti"}
    assert all(m.path.suffix == ".eml" and m.path.parent == mail_dir for m in stored)
    assert b"Terima kasih" in stored[0].path.read_bytes()


def test_list_mail_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert list_mail(tmp_path / "nowhere") == []


def test_local_settings_point_email_at_the_sink_and_links_at_the_gateway() -> None:
    settings = local_settings(
        gateway_port=8000, smtp_port=1025, tracking_secret="s3cret", service_secret="svc"
    )
    assert settings["notifications"] == {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "1025"}
    assert settings["campaigns"]["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000/api"
    assert settings["campaigns"]["TRACKING_SECRET"] == "s3cret"
    assert settings["campaigns"]["SERVICE_SECRET"] == "svc"
    assert settings["gateway"] == {"SERVICE_SECRETS": '{"campaigns": "svc"}'}


def test_local_settings_give_the_gateway_the_console_build(tmp_path: Path) -> None:
    settings = local_settings(
        gateway_port=8000,
        smtp_port=1025,
        tracking_secret="s",
        service_secret="svc",
        console_dir=tmp_path / "dist",
    )
    assert settings["gateway"]["CONSOLE_DIR"] == str(tmp_path / "dist")
