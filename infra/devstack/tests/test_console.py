"""When ``crm up`` rebuilds the web console, and how a failing npm step is reported."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from crm_devstack import cli
from crm_devstack.console import (
    BUILD,
    INSTALL,
    ConsoleBuildError,
    Step,
    build_console,
    build_is_stale,
    check_node,
    console_gateway_settings,
    install_is_stale,
    newest_source_mtime,
    node_version_ok,
    run_step,
    steps_needed,
)

T0 = 1_700_000_000.0


def touch(path: Path, mtime: float, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def web(tmp_path: Path) -> Path:
    """A console project with sources at T0, installed at T0 + 10 and built at T0 + 20."""
    root = tmp_path / "web"
    for name in ("package.json", "package-lock.json", "index.html", "vite.config.ts"):
        touch(root / name, T0)
    touch(root / "src" / "main.tsx", T0)
    touch(root / "src" / "pages" / "LoginPage.tsx", T0)
    touch(root / "node_modules" / ".package-lock.json", T0 + 10)
    touch(root / "dist" / "index.html", T0 + 20)
    return root


def test_a_fresh_build_needs_nothing(web: Path) -> None:
    assert not build_is_stale(web)
    assert not install_is_stale(web)
    assert steps_needed(web) == []


def test_a_fresh_build_is_served_as_it_is(web: Path, tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    assert build_console(web, log) == web / "dist"
    assert not log.exists()  # no npm step ran


def test_the_gateway_serves_the_build_with_a_first_admin(web: Path) -> None:
    settings = console_gateway_settings(
        web / "dist", admin_email="admin@pt-maju.example.com", password="pw", tenant="pt_maju"
    )
    assert settings == {
        "CONSOLE_DIR": str(web / "dist"),
        "BOOTSTRAP_ADMIN_EMAIL": "admin@pt-maju.example.com",
        "BOOTSTRAP_ADMIN_PASSWORD": "pw",
        "BOOTSTRAP_ADMIN_TENANT": "pt_maju",
    }


def test_a_missing_build_is_built(web: Path) -> None:
    (web / "dist" / "index.html").unlink()
    assert steps_needed(web) == [BUILD]


@pytest.mark.parametrize(
    "changed",
    ["src/pages/LoginPage.tsx", "src/new/Deep.tsx", "index.html", "vite.config.ts", "package.json"],
)
def test_a_source_newer_than_the_build_rebuilds(web: Path, changed: str) -> None:
    touch(web / changed, T0 + 30)
    assert newest_source_mtime(web) == T0 + 30
    assert steps_needed(web) == [BUILD]


def test_files_that_are_not_sources_do_not_rebuild(web: Path) -> None:
    touch(web / "README.md", T0 + 30)
    touch(web / "node_modules" / "react" / "index.js", T0 + 30)
    touch(web / "dist" / "assets" / "index-1.js", T0 + 30)
    assert steps_needed(web) == []


def test_a_newer_lock_file_reinstalls_then_rebuilds(web: Path) -> None:
    touch(web / "package-lock.json", T0 + 30)
    assert install_is_stale(web)
    assert steps_needed(web) == [INSTALL, BUILD]


def test_missing_packages_are_installed(web: Path) -> None:
    (web / "node_modules" / ".package-lock.json").unlink()
    (web / "dist" / "index.html").unlink()
    assert steps_needed(web) == [INSTALL, BUILD]


@pytest.mark.parametrize(
    ("version", "ok"),
    [("v20.19.0\n", True), ("v20.20.2", True), ("v22.0.0", True), ("v20.18.3", False),
     ("v18.20.1", False), ("", False), ("garbage", False)],
)  # fmt: skip
def test_node_version(version: str, ok: bool) -> None:
    assert node_version_ok(version) is ok


def test_a_step_logs_its_output(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "build.log"
    step = Step("Saying…", "said", (sys.executable, "-c", "print('vite built in 1s')"))
    run_step(step, tmp_path, log)
    assert "vite built in 1s" in log.read_text()


def test_a_failing_step_quotes_the_end_of_its_log(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    script = "import sys; print('error TS2339: no such property'); sys.exit(2)"
    step = Step("Failing…", "never", (sys.executable, "-c", script))
    with pytest.raises(ConsoleBuildError, match=r"failed \(exit 2\)[\s\S]*error TS2339"):
        run_step(step, tmp_path, log)


def test_without_node_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no node and no npm
    with pytest.raises(ConsoleBuildError, match=r"Node\.js and npm are needed"):
        check_node()


def test_crm_up_without_a_console_project_serves_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli._prepare_console(tmp_path / ".crm") is None


def test_crm_up_says_a_fresh_build_is_up_to_date(
    monkeypatch: pytest.MonkeyPatch, web: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(web.parent)
    assert cli._prepare_console(web.parent / ".crm") == web / "dist"
    assert "✓ web console up to date (web/dist)" in capsys.readouterr().out


def test_crm_up_without_node_reports_it_and_starts_without_the_console(
    monkeypatch: pytest.MonkeyPatch, web: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    touch(web / "src" / "main.tsx", T0 + 30)
    monkeypatch.chdir(web.parent)
    monkeypatch.setenv("PATH", str(web.parent / "empty"))
    assert cli._prepare_console(web.parent / ".crm") == web / "dist"
    err = " ".join(capsys.readouterr().err.split())
    assert "Node.js and npm are needed" in err
    assert "Starting without the web console" in err
