#!/usr/bin/env python3
"""Prints every failed test of the .trx files in a folder (its name, its message and the top of its stack trace), then
the unhandled exceptions the app logged during those runs (the requests answered 500, and crit: entries, from the
console logs given after the folder).
test.sh calls it last, so the end of a CI log, which may be all that is kept of it, says which tests failed and why.

usage: failed-tests.py TRX_FOLDER [CONSOLE_LOG ...]"""
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def text(node, path):
    found = node.find(path, NS)
    return (found.text or "") if found is not None else ""


def errors_logged(log, limit=120):
    """The app's unhandled exceptions with their next lines (the exception): the last `limit` lines of them. Other
    fail: entries are left out: tests provoke many on purpose (a database that is gone, a receiver that refuses)."""
    keep, out = 0, []
    for line in log.read_text(errors="replace").splitlines():
        if line.lstrip().startswith(("fail: Microsoft.AspNetCore.Diagnostics.", "crit:")):
            keep = 30
        if keep:
            out.append(line)
            keep -= 1
    return out[-limit:]


def main(folder, logs):
    failed = []
    for trx in sorted(pathlib.Path(folder).rglob("*.trx")):
        root = ET.parse(trx).getroot()
        for result in root.iterfind(".//t:UnitTestResult", NS):
            if result.get("outcome") == "Failed":
                failed.append((trx.name, result))
    if not failed:
        return
    print(f"== Failed tests ({len(failed)})")
    for trx, result in failed:
        print(f"-- {result.get('testName')}  [{trx}]")
        for line in text(result, "t:Output/t:ErrorInfo/t:Message").splitlines()[:15]:
            print("   " + line)
        for line in text(result, "t:Output/t:ErrorInfo/t:StackTrace").splitlines()[:8]:
            print("   " + line)
    for log in map(pathlib.Path, logs):
        lines = errors_logged(log) if log.is_file() else []
        if lines:
            print(f"-- unhandled exceptions the app logged in {log.name} (the last {len(lines)} lines of them)")
            for line in lines:
                print("   | " + line)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".", sys.argv[2:])
