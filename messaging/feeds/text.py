import re

# Control characters other than tab, line feed and carriage return: XML 1.0 cannot carry them (Django's feed
# writer refuses them) and RFC 5545 forbids them in text. A title pasted from elsewhere may hold one.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(value: str) -> str:
    return CONTROL.sub("", value or "")
