"""Prints "PASSED FAILED SKIPPED" from a pytest JUnit XML report
(errors count as failures). Used by scripts/lib/suite.sh."""
import sys
import xml.etree.ElementTree as ET


def counts(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = skipped = 0
    for s in suites:
        total += int(s.get("tests", 0))
        failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0))
    return total - failed - skipped, failed, skipped


if __name__ == "__main__":
    print(*counts(sys.argv[1]))
