"""The emails' QR code PNGs: read back by an independent PNG reader (pypng) and decoded by a
QR reader (zxing-cpp's), they give the link they were made of."""

from __future__ import annotations

import png  # type: ignore[import-untyped]  # pypng ships no types
import pytest
import zxingcpp

from service.deeplinks.qr import qr_png

LINKS = [
    "https://magic.example.org/s/demo?email=participant%40example.org&token=" + "A" * 43,
    "http://127.0.0.1:8000/s/x?email=a%2Btag%40example.org&token=abc",
    # A long link: a large symbol (version 20-odd), where widths are not multiples of 8.
    "https://magic.example.org/p/study?loginHint=" + "k" * 600,
    "https://münchen.example/s/é?email=j%C3%BCrgen%40example.de&token=t",
]


def _decoded(image: bytes) -> tuple[str, int, int]:
    width, height, rows, info = png.Reader(bytes=image).read_flat()
    assert info["bitdepth"] == 1
    assert info["greyscale"]
    assert not info["alpha"]
    pixels = bytes(255 if value else 0 for value in rows)
    view = memoryview(pixels).cast("B", (height, width))
    found = zxingcpp.read_barcode(
        view, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode), try_invert=False
    )
    assert found is not None, "no QR code found in the PNG"
    return found.text, width, height


@pytest.mark.parametrize("link", LINKS)
def test_the_png_scans_back_to_its_link(link: str) -> None:
    text, width, height = _decoded(qr_png(link))
    assert text == link
    assert width == height


def test_scale_and_quiet_zone() -> None:
    image = qr_png(LINKS[0], scale=6, border=2)
    width, height, rows, _info = png.Reader(bytes=image).read_flat()
    modules = width // 6 - 4
    assert width == (modules + 4) * 6
    assert (modules - 17) % 4 == 0
    grid = [rows[y * width : (y + 1) * width] for y in range(height)]
    # The quiet zone (2 modules, 12 px) is white all round; the finder pattern's corner black.
    for y in range(12):
        assert all(grid[y])
        assert all(grid[height - 1 - y])
    assert all(row[x] for row in grid for x in (*range(12), *range(width - 12, width)))
    assert grid[12][12] == 0
    assert grid[12 + 6 * 7 - 1][12] == 0


def test_too_long_for_a_qr_code() -> None:
    with pytest.raises(ValueError, match="too long"):
        qr_png("x" * 3000)
