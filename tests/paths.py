"""Paths the tests share. (Not in conftest.py: tests/attacks/ has a conftest.py too, and `from conftest import`
would find whichever was imported first.)"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assignments" / "shallow-nn" / "examples"
