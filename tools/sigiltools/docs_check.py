"""`make docs-check`: every command the guide shows is run, here or by a named test.

    python -m sigiltools.docs_check [PAGE…]      (default: README.md and docs/*.md)

In README.md and docs/*.md, a fenced block with a line starting `$ ` shows commands; the line
right before its fence must say how they are checked:

    <!-- check -->                  run here, the output compared with the block's
    <!-- shown by PATH::NAME -->    run by the test NAME in PATH (a file that must define it)

A checked block runs in a scratch directory holding a copy of strategies.yaml and links to the
repository's data/, models/, examples/ and contracts/, with `sigil` the debug build. Each `$ `
line is a command (bash; a trailing `\\` continues it); the lines after it, up to the next `$ `,
are what it must print. Before comparing, both sides drop the once-a-second status lines
(`[   1.0s] …`), durations become `N s` (`ready in 28 ms`, `in 1.7 s`) and the scratch
directory's path `…`; an expected line `…` stands for any number of lines, and `…` inside a line
for any text (a hash shortened to `0x723025ab…ee74b6d`). A command that exits
non-zero fails the check. The relative links of every page must resolve (sigiltools.doclinks).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from .doclinks import broken, pages

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = re.compile(r"^<!-- (check|shown by (\S+?)::(\S+)) -->$")
DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|µs|s)\b")
STATUS = re.compile(r"^\s*\[\s*[\d.]+s\]")


class Block:
    def __init__(self, page: str, line: int, mark: str, lines: list):
        self.page, self.line, self.mark, self.lines = page, line, mark, lines

    @property
    def where(self) -> str:
        return f"{os.path.relpath(self.page, ROOT)}:{self.line}"


def blocks(page: str) -> list:
    """The fenced blocks of `page` that show commands, each with the marker before it."""
    text = open(page, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(text):
        if text[i].startswith("```"):
            start, body = i, []
            i += 1
            while i < len(text) and not text[i].startswith("```"):
                body.append(text[i])
                i += 1
            if any(l.startswith("$ ") for l in body):
                out.append(Block(page, start + 1, text[start - 1].strip() if start > 0 else "", body))
        i += 1
    return out


def commands(lines: list) -> list:
    """[(command, expected lines)] of a block."""
    out = []
    for line in lines:
        if line.startswith("$ "):
            out.append([line[2:], []])
        elif out and out[-1][0].endswith("\\"):
            out[-1][0] = out[-1][0] + "\n" + line
        elif out:
            out[-1][1].append(line)
    return [(c, e) for c, e in out]


def normalize(lines: list, scratch: str) -> list:
    out = []
    for line in lines:
        line = line.rstrip()
        if STATUS.match(line):
            continue
        if scratch:
            line = line.replace(os.path.realpath(scratch), "…").replace(scratch, "…")
        out.append(DURATION.sub("N s", line))
    return out


def line_matches(expected: str, actual: str) -> bool:
    """Equal, except that a `…` inside the expected line stands for any text (`0x723025ab…ee74b6d`)."""
    if "…" not in expected:
        return expected == actual
    return re.fullmatch(".*?".join(re.escape(part) for part in expected.split("…")), actual) is not None


def matches(expected: list, actual: list) -> bool:
    """Expected lines in order, a line `…` for any run of lines, nothing else left over."""
    def go(i, j):
        if i == len(expected):
            return j == len(actual)
        if expected[i] == "…":
            return any(go(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and line_matches(expected[i], actual[j]) and go(i + 1, j + 1)
    return go(0, 0)


def scratch_dir() -> str:
    d = tempfile.mkdtemp(prefix="sigil-docs-")
    for name in ("data", "models", "examples", "contracts"):
        os.symlink(os.path.join(ROOT, name), os.path.join(d, name))
    shutil.copy(os.path.join(ROOT, "strategies.yaml"), d)
    bin_dir = os.path.join(d, ".bin")
    os.mkdir(bin_dir)
    os.symlink(os.path.join(ROOT, ".build", "debug", "sigil"), os.path.join(bin_dir, "sigil"))
    return d


def run_block(block: Block) -> list:
    """The problems of one checked block (empty when it holds)."""
    binary = os.path.join(ROOT, ".build", "debug", "sigil")
    if not os.access(binary, os.X_OK):
        return [f"{block.where}: no sigil binary at {binary} (swift build)"]
    scratch = scratch_dir()
    problems = []
    try:
        env = dict(os.environ, PATH=os.path.join(scratch, ".bin") + os.pathsep + os.environ.get("PATH", ""), TERM="dumb")
        for command, expected in commands(block.lines):
            r = subprocess.run(["bash", "-c", command], cwd=scratch, env=env, capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                problems.append(f"{block.where}: `{command}` exited {r.returncode}: {r.stderr.strip()[-500:]}")
                break
            got = normalize(r.stdout.splitlines(), scratch)
            want = normalize(expected, "")
            if not matches(want, got):
                problems.append(f"{block.where}: `{command}` printed\n    " + "\n    ".join(got)
                                + "\n  the page shows\n    " + "\n    ".join(want))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return problems


def check_shown_by(block: Block, path: str, name: str) -> list:
    file = os.path.join(ROOT, path)
    if not os.path.isfile(file):
        return [f"{block.where}: shown by {path}, which does not exist"]
    if not re.search(rf"\bdef {re.escape(name)}\b|\bfunc {re.escape(name)}\b", open(file, encoding="utf-8").read()):
        return [f"{block.where}: shown by {path}::{name}, which {path} does not define"]
    return []


def check(page_list=None, run=True) -> tuple:
    """(problems, blocks run, blocks referred to tests) over the pages."""
    problems, ran, referred = [], 0, 0
    for page in page_list or pages(ROOT):
        for b in blocks(page):
            m = MARK.match(b.mark)
            if not m:
                problems.append(f"{b.where}: a block of commands with no `<!-- check -->` or `<!-- shown by PATH::TEST -->` before it")
            elif m.group(1) == "check":
                ran += 1
                if run:
                    problems += run_block(b)
            else:
                referred += 1
                problems += check_shown_by(b, m.group(2), m.group(3))
    problems += [f"{page}: link {link}: {why}" for page, link, why in broken(ROOT)]
    return problems, ran, referred


def main(argv=None):
    args = (argv if argv is not None else sys.argv[1:])
    problems, ran, referred = check([os.path.abspath(a) for a in args] or None)
    for p in problems:
        print(p)
    print(f"docs-check: {ran} command blocks run, {referred} run by tests, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
