"""QR codes for invite links: a PNG to print or to show on a phone."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def png(link: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """The PNG bytes of a QR code for `link` (medium error correction survives a crumpled print)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(link)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
