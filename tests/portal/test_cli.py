"""The ``airtools`` command line: help texts, argument parsing, lesson selection errors."""
import subprocess
import sys
from pathlib import Path

import pytest

from airtools.cli import build_parser, main


@pytest.mark.parametrize("argv", [[], ["portal"], ["lab"], ["dashboards"], ["assets"], ["lessons"],
                                  ["lessons", "run"], ["lessons", "check"]])
def test_help_exits_zero(argv):
    done = subprocess.run([sys.executable, "-m", "airtools.cli", *argv, "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: airtools")


def test_console_script_installed():
    script = Path(sys.executable).parent / "airtools"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "portal" in done.stdout


def test_portal_options_parse():
    args = build_parser().parse_args(["portal", "--port", "0", "--voila-port", "9000", "--no-browser",
                                      "--token", "abc", "--dashboards", "/tmp"])
    assert (args.port, args.voila_port, args.no_browser, args.token) == (0, 9000, True, "abc")
    assert args.lab and args.voila and args.dashboards_dir == Path("/tmp")
    dash = build_parser().parse_args(["dashboards", "--port", "0"])
    assert dash.voila_port == 0 and not dash.lab
    lab = build_parser().parse_args(["lab"])
    assert lab.port == 8888 and not lab.voila


def test_unknown_command_fails():
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["serve"])
    assert exc.value.code == 2


def test_lessons_run_unknown_name_fails(capsys):
    assert main(["lessons", "run", "no_such_lesson_zz"]) == 1
    assert "no lesson matches" in capsys.readouterr().err
