"""QR codes of links: inline SVG for pages, PNG for emails (mail clients block data: images).

Emails are the hot path: every sign-in email carries one. segno, pure Python, takes about 10 ms
to encode a link (most of it choosing the mask); zxing-cpp's compiled encoder takes about
0.2 ms, and the PNG is written here from its modules with zlib. Pages and the CLI keep segno,
which draws a titled, coloured SVG and terminal output.
"""

from __future__ import annotations

import struct
import zlib

import segno
import zxingcpp

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zxing-cpp's module image has one byte per module, 0 dark and 255 light.
_MODULE_LETTERS = bytes.maketrans(b"\x00\xff", b"dl")


def qr_svg(data: str, scale: int = 4, title: str = "QR code of the sign-in link") -> str | None:
    """An <svg> element to put straight into a page; error correction M. None when ``data`` is
    too long for any QR code (about 2,300 bytes): a link anybody can pad with a long query."""
    try:
        code = segno.make(data, error="m", micro=False)
    except segno.DataOverflowError:
        return None
    svg: str = code.svg_inline(scale=scale, dark="#1d2330", light="#ffffff", title=title)
    return svg


def qr_png(data: str, scale: int = 6, border: int = 2) -> bytes:
    """A black-on-white PNG of ``data`` (error correction M): ``scale`` pixels a module and a
    quiet zone of ``border`` modules. Raises ValueError when ``data`` does not fit a QR code."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=1, add_quiet_zones=False)
    size = image.shape[0]
    # Each module as "d" or "l", then widened to ``scale`` bits (1-bit grey: 0 black, 1 white)
    # by two replaces: C loops, not a Python one per module.
    modules = bytes(memoryview(image)).translate(_MODULE_LETTERS)  # type: ignore[arg-type]  # its stubs omit the buffer protocol
    width = (size + 2 * border) * scale
    row_length = (width + 7) // 8
    margin = b"l" * border
    blank = _row(b"l" * (size + 2 * border), scale, row_length)
    rows = [blank] * (border * scale)
    for y in range(size):
        line = margin + modules[y * size : (y + 1) * size] + margin
        rows += [_row(line, scale, row_length)] * scale
    rows += [blank] * (border * scale)
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(rows), 1)),
            _chunk(b"IEND", b""),
        )
    )


def _row(letters: bytes, scale: int, length: int) -> bytes:
    """One scanline of modules ("d" dark, "l" light): filter type 0 (none), then the pixels
    packed 8 to a byte, the last byte padded with zeros."""
    bits = letters.replace(b"d", b"0" * scale).replace(b"l", b"1" * scale)
    return b"\x00" + (int(bits, 2) << (length * 8 - len(bits))).to_bytes(length, "big")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
