#!/usr/bin/env python3
"""Turn fortune(6) data files into one clean UTF-8 text corpus.

Usage: clean_fortunes.py OUTPUT FILE...

For each FILE, in the order given:
  - decode as UTF-8; a file that is not valid UTF-8 is decoded as Windows-1252 with
    Latin-1 for the five bytes CP1252 leaves undefined (a note goes to stderr);
  - normalize CRLF and lone CR to LF;
  - repair mojibake: UTF-8 that was read as Latin-1 and encoded again, once or more;
  - remove terminal escape sequences (CSI such as ESC[33;1m, including truncated ones;
    OSC; two-byte and nF escapes);
  - resolve backspace overstrike as a terminal would show it (`X\\bX` bold -> X,
    `_\\bX` / `X\\b_` underline -> X, `___\\b\\b\\bword` -> word);
  - drop every other control character (C0, DEL, C1) except \\n and \\t;
  - strip trailing spaces and tabs from each line;
  - split on the `%` separator lines, drop empty fortunes and the blank lines around each
    fortune, and join the fortunes with one blank line between them.
The output ends with one newline and is written atomically (temporary file, rename).
Prints "BYTES CHARS DISTINCT" (UTF-8 bytes, Unicode scalars, distinct scalars) on stdout.
"""

import os
import re
import sys

# CSI: ESC [ parameters intermediates final.
CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
# A CSI cut short by another ESC or the end of the line (seen in fortunes-zh: "ESC[;ESC[34;1m").
CSI_TRUNCATED = re.compile(r"\x1b\[[0-?]*[ -/]*")
# OSC: ESC ] ... terminated by BEL or ESC \.
OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
# nF escapes (ESC ( B and friends) and two-byte Fe/Fp/Fs escapes (ESC 7, ESC M, ...).
OTHER_ESCAPE = re.compile(r"\x1b[ -/]*[0-~]")
# One UTF-8 sequence that was decoded as Latin-1 (mojibake): a lead byte and its continuations.
MOJIBAKE = re.compile(
    "[\u00c2-\u00df][\u0080-\u00bf]|[\u00e0-\u00ef][\u0080-\u00bf]{2}|[\u00f0-\u00f4][\u0080-\u00bf]{3}"
)
# Control characters to drop: C0 except \t and \n, DEL, C1.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def decode(path: str, data: bytes) -> str:
    """Decode bytes as UTF-8, falling back to Windows-1252/Latin-1 with a note."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        print(
            f"note: {path} is not UTF-8 (byte {error.start}); converting from Windows-1252/Latin-1",
            file=sys.stderr,
        )
        return "".join(
            bytes([b]).decode("cp1252", errors="strict") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
            else chr(b)
            for b in data
        )


def repair_mojibake(path: str, text: str) -> str:
    """Undo UTF-8 text that was read as Latin-1 and written as UTF-8 again, as often as it
    happened (fortunes' law holds "Ã¢ÂÂ" for a right quote); a note goes to stderr."""
    repaired = 0

    def fix(match: re.Match) -> str:
        nonlocal repaired
        try:
            result = match.group().encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            return match.group()
        repaired += 1
        return result

    for _ in range(4):
        before = repaired
        text = MOJIBAKE.sub(fix, text)
        if repaired == before:
            break
    if repaired:
        print(f"note: {path}: repaired {repaired} doubly-encoded UTF-8 sequences", file=sys.stderr)
    return text


def strip_escapes(text: str) -> str:
    """Remove terminal escape sequences; a stray ESC is left for the control-character pass."""
    text = CSI.sub("", text)
    text = CSI_TRUNCATED.sub("", text)
    text = OSC.sub("", text)
    return OTHER_ESCAPE.sub("", text)


def resolve_overstrike(line: str) -> str:
    """Apply backspaces as a printer would: a later character replaces an earlier one,
    except that an underscore never hides a visible character."""
    if "\b" not in line:
        return line
    cells: list[str] = []
    column = 0
    for ch in line:
        if ch == "\b":
            column = max(0, column - 1)
            continue
        if column < len(cells):
            if not (ch == "_" and cells[column] not in ("_", " ")):
                cells[column] = ch
        else:
            cells.append(ch)
        column += 1
    return "".join(cells)


def clean_file(path: str) -> list[str]:
    """Return the cleaned fortunes of one fortune data file."""
    with open(path, "rb") as handle:
        text = decode(path, handle.read())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = repair_mojibake(path, text)
    text = strip_escapes(text)
    lines = [CONTROL.sub("", resolve_overstrike(line)).rstrip(" \t") for line in text.split("\n")]
    fortunes: list[str] = []
    current: list[str] = []
    for line in lines + ["%"]:
        if line == "%":
            while current and not current[-1].strip():
                current.pop()
            while current and not current[0].strip():
                current.pop(0)
            if current:
                fortunes.append("\n".join(current))
            current = []
        else:
            current.append(line)
    return fortunes


def main(argv: list[str]) -> int:
    """Clean the files named in argv[2:] into argv[1] and print its statistics."""
    if len(argv) < 3:
        print("usage: clean_fortunes.py OUTPUT FILE...", file=sys.stderr)
        return 2
    output, inputs = argv[1], argv[2:]
    fortunes: list[str] = []
    for path in inputs:
        fortunes.extend(clean_file(path))
    if not fortunes:
        print(f"error: no fortunes found in {' '.join(inputs)}", file=sys.stderr)
        return 1
    text = "\n\n".join(fortunes) + "\n"
    data = text.encode("utf-8")
    temporary = f"{output}.tmp.{os.getpid()}"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, output)
    print(len(data), len(text), len(set(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
