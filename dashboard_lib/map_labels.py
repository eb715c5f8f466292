"""Where the boundary map writes its value labels (pure: neither Streamlit nor Plotly).

Written on the provinces, the labels crossed province outlines and each other (the 34 provinces are a few pixels
wide on a phone). Each label goes instead into the sea east of the coast at its province's latitude, or as close
to it as there is room, joined to its province by a leader line; a label that finds no room is not written (the
hover, the side panel and the CSV give every value).

The room is measured at the narrowest layout, a 390 px phone, where the map is fitted to the width: the map only
grows on wider screens while the text keeps its size, so labels apart on a phone stay apart everywhere.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Pixels per degree of longitude on a 390 px phone (about 338 px of map for the 16.3° of the boundary map, 20.7
# px per degree), a little less to be safe. The browser tests measure the labels as drawn at 390 and 1440 px.
PHONE_SCALE = 20.0
FONT_PX = 11
CHAR_PX = 0.56 * FONT_PX   # a bold character, Vietnamese diacritics included (about 0.5 measured), a little wide
PLAIN_CHAR_PX = 0.5 * FONT_PX  # a regular one (the English names of the archipelagos)
LINE_PX = 16               # a value label's height, with room between labels
TEXT_LINE_PX = 14          # a line of a label of several lines (the archipelagos')
GAP_DEG = 0.3              # between the coast and a label's start
BIN_DEG = 0.1              # latitude bands of the coast profile
MAX_SHIFT_DEG = 5.0        # how far north or south of its province a label may go

Box = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1


@dataclass(frozen=True)
class Placed:
    code: str
    lon: float  # where the label's text starts (its left end, vertically centred)
    lat: float
    anchor_lon: float  # the province's label point, where the leader line starts
    anchor_lat: float


def _rings(geometry: Mapping) -> Iterable[list]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def east_edges(geometries: Iterable[Mapping]) -> dict[int, float]:
    """{latitude band: easternmost longitude of land in it}. Each edge counts in every band it spans, with the
    larger of its two ends (an edge between two far vertices is never missed)."""
    edges: dict[int, float] = {}
    for geometry in geometries:
        for ring in _rings(geometry):
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                east = max(x1, x2)
                for band in range(math.floor(min(y1, y2) / BIN_DEG), math.floor(max(y1, y2) / BIN_DEG) + 1):
                    if east > edges.get(band, -math.inf):
                        edges[band] = east
    return edges


def text_box_px(text: str) -> tuple[float, float]:
    """(width, height) in pixels of a label of one or more lines ('<br>'; bold where '<b>'), estimated."""
    lines = text.split("<br>")
    widths = [len(re.sub(r"<[^>]+>", "", line)) * (CHAR_PX if "<b>" in line else PLAIN_CHAR_PX) for line in lines]
    return max(widths), (LINE_PX if len(lines) == 1 else len(lines) * TEXT_LINE_PX)


def _half_height(lat: float, height_px: float, scale: float) -> float:
    # Mercator: a degree of latitude is 1 / cos(lat) times as tall as a degree of longitude is wide.
    return height_px / 2 * math.cos(math.radians(lat)) / scale


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _segment_hits(box: Box, start: tuple[float, float], end: tuple[float, float], steps: int = 24) -> bool:
    """Whether the straight leader line from start to end passes through the box (sampled)."""
    for i in range(steps + 1):
        lon = start[0] + (end[0] - start[0]) * i / steps
        lat = start[1] + (end[1] - start[1]) * i / steps
        if box[0] <= lon <= box[2] and box[1] <= lat <= box[3]:
            return True
    return False


def place(anchors: Mapping[str, tuple[float, float]], texts: Mapping[str, str], edges: Mapping[int, float],
          obstacles: Iterable[Box], lon_range: tuple[float, float], lat_range: tuple[float, float],
          scale: float = PHONE_SCALE) -> tuple[list[Placed], list[str]]:
    """(the labels placed, the codes left without a label). One after the other, each label takes the position
    nearest its province's latitude where its box lies east of all land in its band, inside the map, clear of the
    obstacles (archipelago frames and labels) and of the labels already placed, and where its leader line
    crosses no placed label. Tried north to south and south to north: the order that writes more labels wins."""
    obstacles = list(obstacles)
    north_first = sorted(anchors, key=lambda c: (-anchors[c][1], c))
    best = None
    for order in (north_first, north_first[::-1]):
        result = _place_in_order(order, anchors, texts, edges, obstacles, lon_range, lat_range, scale)
        if best is None or len(result[0]) > len(best[0]):
            best = result
    return best


def _place_in_order(order, anchors, texts, edges, obstacles, lon_range, lat_range, scale):
    placed: list[Placed] = []
    boxes: list[Box] = []
    left_out: list[str] = []
    for code in order:
        anchor_lon, anchor_lat = anchors[code]
        width_px, height_px = text_box_px(texts[code])
        width = width_px / scale
        step = _half_height(anchor_lat, LINE_PX, scale)
        shifts = [0.0] + [sign * k * step for k in range(1, int(MAX_SHIFT_DEG / step) + 1) for sign in (1, -1)]
        for shift in shifts:
            lat = anchor_lat + shift
            half = _half_height(lat, height_px, scale)
            bands = range(math.floor((lat - half) / BIN_DEG) - 1, math.floor((lat + half) / BIN_DEG) + 2)
            coast = max([edges[b] for b in bands if b in edges] + [anchor_lon])
            lon = coast + GAP_DEG
            box = (lon, lat - half, lon + width, lat + half)
            if box[2] > lon_range[1] or box[1] < lat_range[0] or box[3] > lat_range[1]:
                continue
            if any(_overlaps(box, other) for other in obstacles + boxes):
                continue
            if any(_segment_hits(other, (anchor_lon, anchor_lat), (lon, lat)) for other in boxes):
                continue
            placed.append(Placed(code, lon, lat, anchor_lon, anchor_lat))
            boxes.append(box)
            break
        else:
            left_out.append(code)
    return placed, left_out


def archipelago_label_box(frame: list[tuple[float, float]], text: str, scale: float = PHONE_SCALE) -> Box:
    """The box of an archipelago's label, centred above its frame (as the figure draws it)."""
    lons, lats = [p[0] for p in frame], [p[1] for p in frame]
    centre, top = (min(lons) + max(lons)) / 2, max(lats) + 0.15  # as boundary_shapes puts it
    width_px, height_px = text_box_px(text)
    half_width = width_px / 2 / scale
    return (centre - half_width, top, centre + half_width, top + 2 * _half_height(top, height_px, scale))


def frame_box(frame: list[tuple[float, float]]) -> Box:
    lons, lats = [p[0] for p in frame], [p[1] for p in frame]
    return (min(lons), min(lats), max(lons), max(lats))
