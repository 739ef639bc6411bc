"""Which supported format a text is in, from its first lines; and how to read a format, for error messages."""
from __future__ import annotations

import re

#: How many non-blank lines detection looks at.
HEAD_LINES = 20
_CLF = re.compile(r'^\S+ \S+ \S+ \[\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "')
_ALB = re.compile(r"^(?:http|https|h2|grpcs|ws|wss) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \S+ ")
_AZURE = re.compile(r"^HashOwner,HashApp,HashFunction,Trigger,1,2,3")


def detect(text: str) -> str:
    """The name of the format (a key of sim.traffic.FORMATS) the text's first lines are in. Counts per interval
    in a plain CSV look like timestamps with a number beside them, so "counts" is never detected: name it."""
    head = [line for line in text[:65_536].splitlines() if line.strip()][:HEAD_LINES]
    if not head:
        return "timestamps"
    first = head[0].lstrip()
    if first.startswith(("{", "[")):
        sample = text[:65_536]
        if '"MetricDataResults"' in sample or '"Datapoints"' in sample:
            return "cloudwatch_metrics"
        if '"timeSeries"' in sample:
            return "cloud_monitoring"
        return "cloud_logging"
    if _AZURE.match(first):
        return "azure_functions"
    if any("REPORT RequestId:" in line for line in head) or \
            any(re.search(r"\b(?:START|END) RequestId:", line) for line in head):
        return "lambda_report"
    if sum(bool(_ALB.match(line)) for line in head) > len(head) // 2:
        return "alb"
    if sum(bool(_CLF.match(line)) for line in head) > len(head) // 2:
        return "access_log"
    return "timestamps"


def other_format_message(name: str) -> str:
    """What to say when a file is in another supported format than the one being read."""
    from . import FORMATS
    return (f"the file looks like {FORMATS[name].label}: read it with sim.traffic.read(source, format={name!r}) "
            f"(or leave format='auto')")
