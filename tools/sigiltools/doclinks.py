"""The documentation's links: every relative link in README.md and docs/*.md must name a file
that exists, and every `#anchor` a heading of the page it points into (GitHub's slugs)."""
import os
import re

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: str) -> set:
    out, seen, fence = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"^#{1,6} (.*)", line)
        if m:
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else f"{s}-{n}")
    return out


def pages(root: str) -> list:
    docs = os.path.join(root, "docs")
    return [os.path.join(root, "README.md")] + sorted(os.path.join(docs, f) for f in os.listdir(docs) if f.endswith(".md"))


def broken(root: str) -> list:
    """(page, link, why) for every link that does not resolve."""
    bad = []
    for page in pages(root):
        text = open(page, encoding="utf-8").read()
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        for link in LINK.findall(text):
            if re.match(r"^[a-z]+:", link):
                continue  # http(s), mailto: not checked offline
            path, _, anchor = link.partition("#")
            target = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not os.path.exists(target):
                bad.append((os.path.relpath(page, root), link, "no such file"))
            elif anchor and target.endswith(".md") and anchor not in anchors(target):
                bad.append((os.path.relpath(page, root), link, f"no heading #{anchor} in {os.path.relpath(target, root)}"))
    return bad
