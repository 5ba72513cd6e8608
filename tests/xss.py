"""An XSS corpus and a checker that parses rendered HTML and finds anything executable."""

from html.parser import HTMLParser

CORPUS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "<svg onload=alert('xss-3')></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-4')>",
    "[click me](javascript:alert('xss-5'))",
    "![pic](javascript:alert('xss-6'))",
    "<a href=\"javascript:alert('xss-7')\">link</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "[x](JaVaScRiPt:alert('xss-8'))",
    "&lt;script&gt;alert('xss-9')&lt;/script&gt;",
    "<div style=\"background:url(javascript:alert('xss-10'))\">styled</div>",
    "\"><script>alert('xss-11')</script>",
    "<object data=\"javascript:alert('xss-12')\"></object>",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<details open ontoggle=alert('xss-13')>",
    "<form action=\"javascript:alert('xss-14')\"><button>go</button></form>",
]

DANGEROUS_TAGS = {"iframe", "object", "embed", "svg", "math", "img", "style", "form", "base", "meta", "link"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.add(tag)
        # The site's own scripts are files under /static/; anything else (or inline) is injected.
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value and value.replace(" ", "").lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and "javascript" in (value or "").lower():
                self.problems.append(f"<{tag} style={value!r}>")


def executable_markup(page: str, *, allowed_tags: frozenset[str] = frozenset({"link", "meta", "form"})) -> list[str]:
    """Every script, event handler, script URL or dangerous element in the page, other than the site's own.

    The layout's own <link>, <meta> and <form> elements are allowed by default; pass allowed_tags=frozenset()
    for a fragment of user text alone.
    """
    finder = _Finder()
    finder.feed(page)
    return finder.problems + [f"<{tag}> in page" for tag in sorted(finder.tags & (DANGEROUS_TAGS - allowed_tags))]
