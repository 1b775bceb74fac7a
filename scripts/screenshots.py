#!/usr/bin/env python3
"""Pictures of what people read, for the README: the demo's digest, an immediate message, a message to the
fallback mailbox and a manager's daily summary, rendered by headless Chromium at a phone's width (390 px) and a desktop's (1024 px) into docs/images/.

    scripts/screenshots.py [--casewatch BINARY] [--chromium BINARY] [--out DIR]

Runs `casewatch demo` in a temporary folder, picks from its outbox (today's and the four weeks' before) a digest
and an immediate message of about three items, the latter saying who was told before, and today's shortest
manager's summary, and shows each as a mail client would: the From, To
and Subject lines above the message's HTML part. Needs Python 3 and Chromium (`apt-get install chromium`); the
default casewatch is `cargo run --release --`. The demo is dated around today, so the pictures change with it.
"""

import argparse
import email
import email.policy
import html
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

WIDTHS = {"phone": 390, "desktop": 1024}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def messages(outbox):
    for path in sorted(outbox.glob("**/*.eml")):
        with path.open("rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        yield {
            "to": str(m["To"]),
            "from": str(m["From"]),
            "subject": str(m["Subject"]),
            "html": m.get_body(("html",)).get_content(),
            "text": m.get_body(("plain",)).get_content(),
            "today": path.parent == outbox,
        }


def items(subject):
    """How many items a subject counts ("1 escalation, 2 overdue — casewatch": 3); 1 for a single notice."""
    return sum(int(n) for n in re.findall(r"(\d+) \w+", subject.split(" — ")[0])) or 1


def pick(outbox):
    """From today's emails and the four weeks before (outbox/earlier): a digest of a few items, an immediate
    message of a few items that says who was told before, and the shortest manager's summary of today."""
    all_ = list(messages(outbox))
    summaries = [m for m in all_ if m["subject"].endswith("daily summary") and m["today"]]
    counted = re.compile(r"^\d+ \w+(, \d+ \w+)* — casewatch$")
    immediate = [
        m for m in all_
        if m["subject"].startswith(("Escalation:", "Overdue:"))
        or (counted.match(m["subject"]) and not re.search(r"reminder|warning", m["subject"]))
    ]
    digests = [m for m in all_ if counted.match(m["subject"]) and re.search(r"reminder|warning", m["subject"])]
    told = [m for m in immediate if "was reminded on" in m["text"] or "was told" in m["text"]] or immediate
    if not (summaries and told and digests):
        sys.exit(f"the demo's outbox lacks a summary, an immediate message or a digest: {[m['subject'] for m in all_]}")
    # A few items: enough to show the grouping by child, short enough for one screen.
    few = lambda m: (abs(items(m["subject"]) - 3), len(m["html"]))
    # The operations mailbox: notices whose person could not be reached, each saying whom it was meant for.
    fallback = [m for m in all_ if "casewatch-ops@" in m["to"] and "did not reach" in m["text"]]
    if not fallback:
        sys.exit("the demo's outbox lacks a message to the fallback mailbox")
    return {
        "fallback": min(fallback, key=few),
        "digest": min(digests, key=few),
        "immediate": min(told, key=few),
        "summary": min(summaries, key=lambda m: len(m["html"])),
    }


def page(message):
    """The message as a mail client shows it: headers, then the HTML part's body."""
    body = re.search(r"<body([^>]*)>(.*)</body>", message["html"], re.S)
    attrs, inner = body.group(1), body.group(2)
    header = "".join(
        f'<div><span style="color:#505a5f;display:inline-block;width:4.5em">{k}</span>{html.escape(v)}</div>'
        for k, v in (("From", message["from"]), ("To", message["to"]), ("Subject", message["subject"]))
    )
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>html,body{{margin:0;background:#fff}} .mail{{padding:12px 14px 24px}}</style></head>
<body><div style="font:14px Arial,Helvetica,sans-serif;background:#f3f2f1;border-bottom:1px solid #b1b4b6;padding:10px 14px">{header}</div>
<div class="mail"><div{attrs}>{inner}</div></div>
<script>document.body.setAttribute('data-height', document.documentElement.scrollHeight);
document.body.setAttribute('data-viewport', window.innerHeight)</script>
</body></html>"""


def chromium(binary, profile, width, height, *args):
    return run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         f"--user-data-dir={profile}", f"--window-size={width},{height}", *args],
        capture_output=True, text=True,
    )


def shoot(binary, work, name, message, out):
    source = work / f"{name}.html"
    source.write_text(page(message), encoding="utf-8")
    for label, width in WIDTHS.items():
        # Measured in a short window, so the page is taller than it; the window then gets the page's height plus
        # whatever of the window is not page.
        profile = tempfile.mkdtemp(prefix="chromium-", dir=work)
        measure = 200
        dom = chromium(binary, profile, width, measure, "--dump-dom", source.as_uri()).stdout
        height = int(re.search(r'data-height="(\d+)"', dom).group(1))
        height += measure - int(re.search(r'data-viewport="(\d+)"', dom).group(1))
        # The screenshot lays out a line or two taller than the measurement: a margin rather than a cut footer.
        height += 120
        target = out / f"{name}-{label}.png"
        profile = tempfile.mkdtemp(prefix="chromium-", dir=work)
        chromium(binary, profile, width, height, f"--screenshot={target}", source.as_uri())
        print(f"{target} ({width}x{height}): {message['subject']}")


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--casewatch", default="cargo run --quiet --release --",
                        help="how to run casewatch (default: %(default)s)")
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--out", default=str(root / "docs" / "images"))
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="casewatch-screenshots-") as tmp:
        work = pathlib.Path(tmp)
        run([*shlex.split(args.casewatch), "demo", "--dir", str(work / "demo")], cwd=root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, message in pick(work / "demo" / "outbox").items():
            shoot(args.chromium, work, name, message, out)


if __name__ == "__main__":
    main()
