"""A feed's bytes as servers really send them, made into the XML a strict parser reads.

Real feeds often break the letter of XML in ways every feed reader forgives: whitespace
or a byte-order mark before `<?xml`, a charset named only in the HTTP Content-Type (a
latin-1 feed without an encoding declaration), or a well-known prefix such as
`content:` used without its `xmlns:` declaration. Each is mended here, before parsing;
what is mended is only ever text, never entities or external references.
"""

from __future__ import annotations

import codecs
import re

#: prefixes feeds use without declaring them, and the namespaces they always mean
KNOWN_PREFIXES = {
    b"content": b"http://purl.org/rss/1.0/modules/content/",
    b"dc": b"http://purl.org/dc/elements/1.1/",
    b"atom": b"http://www.w3.org/2005/Atom",
    b"media": b"http://search.yahoo.com/mrss/",
    b"itunes": b"http://www.itunes.com/dtds/podcast-1.0.dtd",
    b"slash": b"http://purl.org/rss/1.0/modules/slash/",
    b"wfw": b"http://wellformedweb.org/CommentAPI/",
    b"sy": b"http://purl.org/rss/1.0/modules/syndication/",
}
_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*", re.DOTALL)
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*(?::[\w.-]+)?)")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._-]+)""", re.IGNORECASE)


def mended(body: bytes, content_type: str | None = None) -> bytes:
    """The feed's bytes, ready for a strict XML parser."""
    body = body.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
    body = _in_utf8(body, charset(content_type))
    return _declared_prefixes(body)


def charset(content_type: str | None) -> str | None:
    """The charset an HTTP Content-Type names, if it names one Python knows."""
    found = _CHARSET.search(content_type or "")
    if found is None:
        return None
    try:
        return codecs.lookup(found.group(1)).name
    except LookupError:
        return None


def _in_utf8(body: bytes, http_charset: str | None) -> bytes:
    """A document declaring no encoding is read in the HTTP charset, else UTF-8, else
    windows-1252 (what undeclared non-UTF-8 feeds are in practice), and handed on as
    UTF-8; one that declares its encoding is left to the parser."""
    if _DECLARED.match(body):
        return body
    encoding = http_charset
    if encoding is None:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
    if encoding in (None, "utf-8"):
        return body
    return body.decode(encoding, errors="replace").encode("utf-8")


def _declared_prefixes(body: bytes) -> bytes:
    """Declares, on the root element, the well-known prefixes used but never declared."""
    missing = [
        prefix
        for prefix in KNOWN_PREFIXES
        if b"<" + prefix + b":" in body and b"xmlns:" + prefix + b"=" not in body
    ]
    if not missing:
        return body
    root = _root_tag(body)
    if root is None:
        return body
    declarations = b"".join(
        b" xmlns:" + prefix + b'="' + KNOWN_PREFIXES[prefix] + b'"' for prefix in missing
    )
    return body[: root.end()] + declarations + body[root.end() :]


def _root_tag(body: bytes) -> re.Match[bytes] | None:
    """The root element's start tag name, past the declaration, comments and doctype."""
    return _ROOT.match(body, _PROLOG.match(body).end())
