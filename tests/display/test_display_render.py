"""The board's pictures: screenshots of every state render headless (dummy driver) to PNG,
the key texts are really there (pixel for pixel), layouts fit 1 to 80 counters in both
orientations, and the blink and the lost-server mark behave."""

from __future__ import annotations

import argparse
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from display import cli as display_cli
from display.layout import grid_shape, make_layout
from display.model import BoardState, CallView
from display.render import (
    AMBER,
    BLINK_S,
    CELL_LABEL_MIN_PX,
    LOST_EN,
    LOST_VI,
    NAVY,
    PANEL_HI,
    Hotspot,
    Renderer,
    blink_phase,
)
from display.shots import (
    LANDSCAPE,
    PORTRAIT,
    PROVINCIAL,
    SHOT_TIME,
    Shot,
    board_state,
    render_shot,
    shots,
    write_shots,
)

NAMES = ["quiet-landscape", "call-blinking-landscape", "many-counters-landscape", "portrait",
         "many-counters-portrait", "area-board-landscape", "disconnected-landscape",
         "many-counters-disconnected-portrait", "closed-landscape"]


def text_pixels_match(image: pygame.Surface, spot: Hotspot, renderer: Renderer) -> bool:
    expected = pygame.Surface(spot.rect.size)
    expected.fill(spot.bg)
    expected.blit(renderer.type.render(spot.text, spot.weight, spot.size, spot.fg), (0, 0))
    return (pygame.image.tobytes(image.subsurface(spot.rect), "RGB")
            == pygame.image.tobytes(expected, "RGB"))


@pytest.fixture(scope="module")
def rendered():
    pygame.font.init()
    return {shot.name: (shot, *render_shot(shot)) for shot in shots()}


def test_layso_display_shots_writes_every_state(tmp_path, capsys) -> None:
    parser = argparse.ArgumentParser()
    display_cli.add_arguments(parser)
    assert display_cli.run(parser.parse_args(["--shots", str(tmp_path / "shots")])) == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in printed] == [f"{n}.png" for n in NAMES]
    for name in NAMES:
        image = pygame.image.load(str(tmp_path / "shots" / f"{name}.png"))
        assert image.get_size() in ((1920, 1080), (1080, 1920))
        colours = {image.get_at((x, y))[:3] for x in range(0, image.get_width(), 37)
                   for y in range(0, image.get_height(), 37)}
        assert len(colours) > 8, f"{name} looks blank"


def test_the_called_number_is_drawn_pixel_for_pixel_in_the_png(tmp_path, rendered) -> None:
    paths = {p.stem: p for p in write_shots(tmp_path)}
    for name in ("call-blinking-landscape", "portrait", "many-counters-landscape"):
        shot, _, renderer = rendered[name]
        image = pygame.image.load(str(paths[name]))
        number = renderer.hotspots["latest_number"]
        assert number.text == shot.state.latest.number
        assert number.size >= 60  # very large type, even with 60 counters on the board
        assert text_pixels_match(image, number, renderer), name
        # and the region is not just background: the number's ink is there
        region = pygame.image.tobytes(image.subsurface(number.rect), "RGB")
        bg = bytes(number.bg) * (len(region) // 3)
        assert sum(a != b for a, b in zip(region, bg, strict=True)) > len(region) // 20


def test_a_new_call_blinks_then_settles(rendered) -> None:
    shot, _, renderer = rendered["call-blinking-landscape"]
    assert renderer.hotspots["latest_number"].bg == AMBER  # lit phase of the blink
    assert renderer.hotspots["latest_number"].fg == NAVY
    quiet = rendered["quiet-landscape"][2]
    assert quiet.hotspots["latest_number"].bg == PANEL_HI
    assert quiet.hotspots["latest_number"].fg == AMBER
    call = CallView("1023", 5, "5A", "TKQ", datetime.now(UTC), shown_at=100.0)
    phases = [blink_phase(call, 100.0 + t / 4) for t in range(int(BLINK_S * 4) + 4)]
    assert (True, True) in phases and (True, False) in phases
    assert phases[-1] == (False, False)
    assert blink_phase(replace(call, shown_at=None), 100.0) == (False, False)


def test_many_counters_each_get_a_cell_inside_the_grid(rendered) -> None:
    for name in ("many-counters-landscape", "many-counters-portrait"):
        shot, _, renderer = rendered[name]
        assert len(shot.state.counters) == 60
        cells = [s for k, s in renderer.hotspots.items() if k.startswith("counter:")]
        assert len(cells) == 60
        grid = renderer.layout.grid
        for spot in cells:
            assert grid.contains(spot.rect), spot
            assert spot.size >= 14
        for counter in shot.state.counters:
            if counter.ticket:
                assert renderer.hotspots[f"counter:{counter.number}"].text == counter.ticket


def test_an_area_board_shows_only_its_counters(rendered) -> None:
    shot, _, renderer = rendered["area-board-landscape"]
    shown = sorted(int(k.split(":")[1]) for k in renderer.hotspots if k.startswith("counter:"))
    assert shown == list(range(1, 11))


def test_disconnected_and_closed_states(rendered) -> None:
    shot, image, renderer = rendered["disconnected-landscape"]
    lost = renderer.hotspots["lost"]
    assert lost.text == "Mất kết nối với máy chủ, đang kết nối lại…"
    assert text_pixels_match(image, lost, renderer)
    texts = [spot.text for spot in renderer.hotspots.values()]
    assert not any(shot.state.lost_reason in t for t in texts)  # that goes to the log
    assert "lost_en" not in renderer.hotspots  # English only with --english
    assert "lost" not in rendered["quiet-landscape"][2].hotspots
    closed = rendered["closed-landscape"][2]
    assert closed.hotspots["closed"].text == "NGOÀI GIỜ LÀM VIỆC"


def test_portrait_shots_are_portrait(rendered) -> None:
    for name in ("portrait", "many-counters-portrait"):
        shot, image, renderer = rendered[name]
        assert image.get_size() == (1080, 1920) and renderer.layout.orientation == "portrait"
        assert renderer.layout.call.w > renderer.layout.call.h


def test_decomposed_text_renders_like_composed_text() -> None:
    pygame.font.init()
    shot = shots()[0]
    nfd = replace(shot.state, hall_name=unicodedata.normalize("NFD", shot.state.hall_name))
    a, ra = render_shot(shot)
    b, rb = render_shot(replace(shot, state=nfd))
    spot_a, spot_b = ra.hotspots["hall_name"], rb.hotspots["hall_name"]
    assert spot_a.rect == spot_b.rect
    assert pygame.image.tobytes(a, "RGB") == pygame.image.tobytes(b, "RGB")


def test_english_subtitles() -> None:
    pygame.font.init()
    shot = shots()[1]
    _, renderer = render_shot(shot, english=True)
    assert renderer.hotspots["call_label"].text == "MỜI CÔNG DÂN CÓ SỐ · NOW CALLING"


def test_the_board_before_it_has_heard_from_the_server() -> None:
    pygame.font.init()
    surface = pygame.Surface((800, 450))
    renderer = Renderer((800, 450))
    renderer.draw(surface, BoardState(), 0.0, SHOT_TIME)
    assert "latest_number" not in renderer.hotspots and "lost" not in renderer.hotspots


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 80), st.integers(1, 24),
       st.sampled_from([(1920, 1080), (1280, 720), (1080, 1920), (768, 1366)]), st.booleans())
def test_layouts_fit_every_hall(n_counters: int, n_services: int, size, lost: bool) -> None:
    layout = make_layout(size, n_counters, n_services, lost=lost)
    screen = pygame.Rect((0, 0), size)
    parts = [layout.header, layout.call, layout.recent, layout.grid, layout.waiting,
             layout.ticker] + ([layout.banner] if lost else [])
    for part in parts:
        assert screen.contains(part) and part.w > 0 and part.h > 0
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            assert not a.colliderect(b), (a, b)
    assert layout.grid_cols * layout.grid_rows >= n_counters
    cells = [layout.cell(i) for i in range(n_counters)]
    for i, cell in enumerate(cells):
        assert layout.grid.contains(cell)
        assert cell.collidelist(cells[i + 1:]) == -1


def test_grid_shape_prefers_big_cells() -> None:
    assert grid_shape(5, 1100, 420) == (3, 2)
    cols, rows = grid_shape(60, 1300, 500)
    assert cols * rows >= 60 and cols > rows
    cols, rows = grid_shape(60, 1040, 800)
    assert cols * rows >= 60


# --- every name whole, labels readable, the banner beside the call (issue 13) -------------

# longer than any department of today: the fit must wrap, never cut
LONG_NAMES = [
    "Nông nghiệp và Phát triển nông thôn", "Lao động — Thương binh và Xã hội",
    "Văn hóa, Thể thao và Du lịch", "Đăng ký doanh nghiệp và hộ kinh doanh",
    "Cấp đổi giấy phép lái xe và đăng ký phương tiện", "Bảo hiểm xã hội và bảo hiểm y tế",
]


def _province_shot(size, *, connected: bool = True, long_names: bool = False) -> Shot:
    from contracts.hall_config import load_hall_config

    state = board_state(load_hall_config(PROVINCIAL), call=True, connected=connected)
    if long_names:
        services = tuple(replace(s, name=LONG_NAMES[i % len(LONG_NAMES)] + f" {i + 1}")
                         for i, s in enumerate(state.services))
        state = replace(state, services=services)
    orientation = "portrait" if size[1] > size[0] else "landscape"
    return Shot("t", state, size, orientation, 1000.0)


def _assert_every_name_whole(shot: Shot, renderer: Renderer) -> None:
    for service in shot.state.services:
        fitted = renderer.fitted[f"service:{service.code}"]
        assert " ".join(fitted.lines) == service.name, fitted  # the text drawn is the name
        assert "…" not in "".join(fitted.lines)
        assert fitted.whole, fitted  # and each line is inside the room it had
        assert len(fitted.lines) <= 2
    if shot.state.latest and any(s.code == shot.state.latest.service
                                 for s in shot.state.services):
        assert renderer.fitted["call_service"].whole


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
@pytest.mark.parametrize("english", [False, True], ids=["vi", "en"])
def test_every_service_name_is_whole_at_60_counters(size, english: bool) -> None:
    pygame.font.init()
    shot = _province_shot(size)
    assert len(shot.state.counters) == 60 and len(shot.state.services) == 20
    _, renderer = render_shot(shot, english=english)
    _assert_every_name_whole(shot, renderer)
    sizes = [f.size for k, f in renderer.fitted.items() if k.startswith("service:")]
    assert min(sizes) >= 22  # smaller than on a small hall's board, still readable


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_long_names_wrap_onto_two_lines_and_stay_whole(size) -> None:
    pygame.font.init()
    shot = _province_shot(size, long_names=True)
    _, renderer = render_shot(shot)
    _assert_every_name_whole(shot, renderer)
    assert any(len(f.lines) == 2 for k, f in renderer.fitted.items() if k.startswith("service:"))


def test_the_demo_halls_names_are_whole(rendered) -> None:
    for name in ("quiet-landscape", "portrait", "area-board-landscape"):
        shot, _, renderer = rendered[name]
        _assert_every_name_whole(shot, renderer)


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_counter_labels_are_large_enough_to_read_across_the_hall(size) -> None:
    pygame.font.init()
    shot = _province_shot(size)
    _, renderer = render_shot(shot)
    labels = {k: f for k, f in renderer.fitted.items() if k.startswith("label:")}
    assert len(labels) == 60
    for key, fitted in labels.items():
        counter = next(c for c in shot.state.counters if f"label:{c.number}" == key)
        assert counter.label in fitted.text and fitted.whole, fitted
        assert fitted.size >= CELL_LABEL_MIN_PX, fitted
        # and the called number beside it is no smaller than the label
        if counter.ticket:
            assert renderer.hotspots[f"counter:{counter.number}"].size >= fitted.size


def test_a_small_halls_labels_are_larger_still(rendered) -> None:
    for name in ("quiet-landscape", "portrait"):
        labels = [f.size for k, f in rendered[name][2].fitted.items() if k.startswith("label:")]
        assert labels and min(labels) >= 1.5 * CELL_LABEL_MIN_PX


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
@pytest.mark.parametrize("english", [False, True], ids=["vi", "en"])
def test_the_disconnected_banner_is_vietnamese_and_never_covers_the_call(size,
                                                                         english) -> None:
    pygame.font.init()
    for shot in (_province_shot(size, connected=False),
                 Shot("demo", rendered_demo_lost(), size, _orientation(size), 1000.0)):
        _, renderer = render_shot(shot, english=english)
        layout = renderer.layout
        spots = renderer.hotspots
        assert spots["lost"].text == LOST_VI == "Mất kết nối với máy chủ, đang kết nối lại…"
        assert ("lost_en" in spots) is english
        if english:
            assert spots["lost_en"].text == LOST_EN
            assert spots["lost_en"].rect.top > spots["lost"].rect.top  # English second
        assert layout.banner is not None
        for name in ("lost", "lost_detail") + (("lost_en",) if english else ()):
            assert layout.banner.contains(spots[name].rect), name
        assert not layout.banner.colliderect(layout.call)
        for key in ("latest_number", "latest_counter", "call_label"):
            assert not layout.banner.colliderect(spots[key].rect), key
        assert not any(shot.state.lost_reason in s.text for s in spots.values())
        _assert_every_name_whole(shot, renderer)
        labels = [f.size for k, f in renderer.fitted.items() if k.startswith("label:")]
        assert min(labels) >= CELL_LABEL_MIN_PX  # the banner's room is not the labels'
        assert spots["latest_number"].size >= 60


def _orientation(size):
    return "portrait" if size[1] > size[0] else "landscape"


def rendered_demo_lost() -> BoardState:
    from contracts.hall_config import DEFAULT_CONFIG, load_hall_config

    return board_state(load_hall_config(DEFAULT_CONFIG), call=True, connected=False)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 80), st.integers(1, 20), st.booleans(), st.booleans(),
       st.sampled_from([(1920, 1080), (1280, 720), (1080, 1920), (768, 1366)]))
def test_every_name_is_whole_on_every_board(n_counters: int, n_services: int,
                                            long_names: bool, lost: bool, size) -> None:
    """Any hall, any screen: the names are drawn whole (smaller, or on two lines)."""
    pygame.font.init()
    base = _province_shot(size, connected=not lost, long_names=long_names)
    pool = base.state.counters
    counters = tuple(replace(pool[i % len(pool)], number=i + 1, label=str(i + 1))
                     for i in range(n_counters))
    state = replace(base.state, counters=counters, services=base.state.services[:n_services])
    shot = replace(base, state=state)
    _, renderer = render_shot(shot)
    _assert_every_name_whole(shot, renderer)
    labels = [f for k, f in renderer.fitted.items() if k.startswith("label:")]
    assert len(labels) == n_counters and all(f.whole for f in labels)


def test_a_board_with_no_notices_shows_the_halls_vietnamese_name() -> None:
    """The notice line used to fall back to the English name, English on a board for citizens."""
    pygame.font.init()
    shot = shots()[0]
    bare = replace(shot, state=replace(shot.state, notices=()))
    assert bare.state.hall_name_en and bare.state.hall_name_en != bare.state.hall_name
    assert render_shot(bare)[1].ticker_text == bare.state.hall_name
    assert render_shot(bare, english=True)[1].ticker_text == bare.state.hall_name_en
