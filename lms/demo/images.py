"""The organisation's signature and stamp for the demo, drawn with Pillow: documents can only
be issued once the organisation has a signatory, a signature image and a stamp."""

import io

from django.core.files.images import ImageFile
from PIL import Image, ImageDraw, ImageFont

from .clock import signature_strokes

INK = (28, 42, 110)
STAMP = (170, 30, 45)


def _png(image: Image.Image, name: str) -> ImageFile:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name=name)


def signature_png(seed: str) -> ImageFile:
    image = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    for stroke in signature_strokes(seed):
        numbers = stroke.replace("M", " ").replace("L", " ").split()
        points = [(float(numbers[i]), float(numbers[i + 1]))
                  for i in range(0, len(numbers) - 1, 2)]
        draw.line(points, fill=INK, width=4, joint="curve")
    return _png(image, "signature.png")


def stamp_png(lines: list[str]) -> ImageFile:
    image = Image.new("RGBA", (320, 320), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 312, 312), outline=STAMP, width=8)
    draw.ellipse((30, 30, 290, 290), outline=STAMP, width=3)
    font = ImageFont.load_default(size=24)
    top = 160 - 18 * len(lines)
    for number, line in enumerate(lines):
        draw.text((160, top + 36 * number), line, fill=STAMP, font=font, anchor="mt")
    return _png(image, "cachet.png")
