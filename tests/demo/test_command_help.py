"""`guanxi demo --help` prints its help (a lazily translated description once crashed argparse)."""

from django.core.management import load_command_class


def test_demo_help_is_printable():
    command = load_command_class("guanxi.demo", "demo")
    text = command.create_parser("guanxi", "demo").format_help()
    assert "--size" in text and "--accounts" in text
    assert "1,000,000" in text or "1 000 000" in text or "100万" in text or "1000000" in text.replace(",", "")
