"""The objectives a certificate prints, read from the path's rich text in linear time."""

import time

import pytest

from certificates.snapshots import _plain_items


@pytest.mark.parametrize(("html", "expected"), [
    ("<ul><li>Envoyer un courriel</li><li data-block-key='x'>Joindre <b>un</b> fichier"
     "</li></ul>", ["Envoyer un courriel", "Joindre un fichier"]),
    ("<p>Utiliser l&#x27;ordinateur &amp; la tablette</p>",
     ["Utiliser l'ordinateur & la tablette"]),
    ("<ul><li>Naviguer<ul><li>sans se perdre</li></ul></li><li>  </li></ul>",
     ["Naviguersans se perdre"]),
    ("", []),
    (None, []),
    ("<p></p>", []),
])
def test_plain_items(html, expected):
    assert _plain_items(html) == expected


@pytest.mark.parametrize("hostile", [
    "<li>" * 40_000 + "x",  # unclosed items: the old pattern rescanned to the end for each
    "<" * 200_000,  # unclosed tags: the same for the tag-stripping pattern
    "<li>a" + "</li" * 50_000,
])
def test_plain_items_is_linear_on_hostile_input(hostile):
    started = time.perf_counter()
    _plain_items(hostile)
    assert time.perf_counter() - started < 2
