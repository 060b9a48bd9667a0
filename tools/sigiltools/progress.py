"""A progress bar on one terminal line, as `sigil`'s own (SigilCore's ProgressBar): redrawn in
place at most ten times a second, and silent when the stream is not a terminal or TERM is
`dumb` (then the callers print their periodic log lines instead)."""
import os
import sys
import time


class Progress:
    def __init__(self, total: int, stream=None):
        self.total = max(0, total)
        self.stream = stream or sys.stderr
        try:
            tty = os.isatty(self.stream.fileno())
        except (AttributeError, OSError, ValueError):
            tty = False
        self.enabled = tty and os.environ.get("TERM") != "dumb"
        self.last = None

    @staticmethod
    def line(done: int, total: int, detail: str, width: int = 30) -> str:
        share = min(1.0, max(0.0, done / total)) if total > 0 else 0.0
        filled = int(share * width)
        shown = f"{int(share * 100)}%" if total > 0 else str(done)
        return f"\r[{'#' * filled}{'.' * (width - filled)}] {shown} {detail}\x1b[K"

    def show(self, done: int, detail: str):
        """Draws `done` of `total` (skipped when drawn under 100 ms ago, unless it is the last)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if done < self.total and self.last is not None and now - self.last < 0.1:
            return
        self.last = now
        self.stream.write(self.line(done, self.total, detail))
        self.stream.flush()

    def finish(self):
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
