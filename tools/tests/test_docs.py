"""The guide is checked like code: every command block of README.md and docs/*.md is either run
here and its output compared (sigiltools.docs_check) or names the test that runs it; every
relative link resolves; the README stays a guide (about 400 lines at most); and claims found
stale once do not come back."""
import os
import re

from live_helpers import ROOT
from sigiltools import docs_check
from sigiltools.doclinks import pages

STALE = [
    r"Not\s+yet:\s+a\s+dashboard",          # the dashboard and SIGHUP reloads exist
    r"seven\s+migrations",                  # the count changes; the code is the reference
    r"NeuralModel[^.\n]*on\s+OpenBLAS",     # inference is plain ordered loops (the same bits on every CPU)
    r"never\s+on\s+the\s+cooperative\s+pool",
    r"see\s+DESIGN\.md",                    # no such file in the repository
]


def test_every_documented_command_is_run_and_prints_what_the_page_shows():
    problems, ran, referred = docs_check.check()
    print(f"\ndocs: {ran} command blocks run, {referred} run by tests")
    assert not problems, "\n".join(problems)
    assert ran >= 3 and referred >= 10, (ran, referred)


def test_the_readme_is_a_guide_and_no_stale_claim_is_left():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert readme.count("\n") <= 420, f"README.md has {readme.count(chr(10))} lines; reference material belongs in docs/"
    for page in pages(ROOT) + [os.path.join(ROOT, "Package.swift")]:
        text = open(page, encoding="utf-8").read()
        for claim in STALE:
            assert not re.search(claim, text), f"{os.path.relpath(page, ROOT)}: stale claim /{claim}/"
    for topic in ("configuration", "detectors", "live-nodes", "registry", "contributing-models", "writing-a-plugin",
                  "hostile-input", "performance", "architecture", "tests"):
        assert os.path.isfile(os.path.join(ROOT, "docs", f"{topic}.md")), topic
        assert f"docs/{topic}.md" in readme, f"the README does not link docs/{topic}.md"
