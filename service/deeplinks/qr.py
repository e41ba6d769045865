"""QR codes of links: inline SVG for pages, PNG for emails (mail clients block data: images)."""

from __future__ import annotations

import io

import segno


def qr_svg(data: str, scale: int = 4, title: str = "QR code of the sign-in link") -> str | None:
    """An <svg> element to put straight into a page; error correction M. None when ``data`` is
    too long for any QR code (about 2,300 bytes): a link anybody can pad with a long query."""
    try:
        code = segno.make(data, error="m", micro=False)
    except segno.DataOverflowError:
        return None
    svg: str = code.svg_inline(scale=scale, dark="#1d2330", light="#ffffff", title=title)
    return svg


def qr_png(data: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
