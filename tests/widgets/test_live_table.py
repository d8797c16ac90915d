"""LiveTable: keyed diffing, a cursor that stays on its key, sorting, marks, virtual rendering."""

from __future__ import annotations

from rich.text import Text
from textual.strip import Strip

from tests.widgets.harness import Harness, screen_lines
from widgets.badge import badge_text
from widgets.live_table import Column, LiveTable, Row

COLUMNS = [Column("name", "NAME"), Column("phase", "PHASE", max_width=12), Column("age", "AGE", width=5)]


def row(key: str, name: str | None = None, phase: str = "Running", age: int = 0) -> Row:
    return Row(key, (name or key, phase, f"{age}m"), sort_values=(name or key, phase, age))


def rows(count: int, prefix: str = "vm") -> list[Row]:
    return [row(f"{prefix}{i:05d}", age=count - i) for i in range(count)]


class CountingTable(LiveTable):
    """Counts render_line calls (the only per-line work)."""

    rendered = 0

    def render_line(self, y: int) -> Strip:
        self.rendered += 1
        return super().render_line(y)


def screen_row(table: LiveTable) -> int:
    index = table.cursor_index
    assert index is not None
    return index - round(table.scroll_y)


async def test_header_and_rows_are_painted_with_fitted_columns() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update([row("a", "alpha"), row("b", "bravo", "Stopped", 12)])
        await pilot.pause()
        lines = screen_lines(table)
        assert lines[0].split() == ["NAME", "PHASE", "AGE"]
        assert lines[1].split() == ["alpha", "Running", "0m"]
        assert lines[2].split() == ["bravo", "Stopped", "12m"]
        assert lines[3].strip() == ""
        table.apply([row("c", "x" * 30, "VeryLongPhaseName")])
        await pilot.pause()
        line = screen_lines(table)[3]
        assert "x" * 30 in line and "VeryLongPha…" in line


async def test_cursor_stays_on_its_key_and_screen_row_while_rows_change_above() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update(rows(200))
        await pilot.pause()
        for _ in range(37):
            table.action_cursor_down()
        await pilot.press("j", "j", "j")
        await pilot.pause()
        key, before = table.cursor_key, screen_row(table)
        assert key == "vm00040"
        inserted = [row(f"new{i:03d}") for i in range(100)]
        deleted = [f"vm{i:05d}" for i in range(0, 40, 2)] + [f"vm{i:05d}" for i in range(100, 150)]
        table.update(inserted + [r for r in rows(200) if r.key not in set(deleted)])
        await pilot.pause()
        assert table.cursor_key == key
        assert table.cursor_index == 100 + 20
        assert screen_row(table) == before
        assert screen_lines(table)[1 + before].split()[0] == key
        assert [m.key for m in app.of_type(LiveTable.RowHighlighted)][-1] == key


async def test_resort_keeps_the_cursor_on_its_key_and_toggles_direction() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update(rows(500))
        await pilot.pause()
        table.move_cursor("vm00250")
        table.move_cursor("vm00240")
        before = screen_row(table)
        assert before > 0
        table.sort("age")
        await pilot.pause()
        assert table.sort_key == ("age", False)
        assert table.cursor_key == "vm00240" and table.cursor_index == 259
        assert screen_row(table) == before
        assert screen_lines(table)[0].split() == ["NAME", "PHASE", "AGE", "▲"]
        table.sort("age")
        assert table.sort_key == ("age", True)
        assert table.cursor_index == 240 and table.key_at(0) == "vm00000"
        assert screen_row(table) == before


async def test_sort_is_stable_and_new_rows_land_in_place() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update([row("a", "same"), row("b", "same"), row("c", "other")])
        table.sort("name")
        assert [table.key_at(i) for i in range(3)] == ["c", "a", "b"]
        table.sort("name")
        assert [table.key_at(i) for i in range(3)] == ["a", "b", "c"]
        table.sort("name", reverse=False)
        table.apply([row("d", "t-after")], deletes=["c"])
        await pilot.pause()
        assert [table.key_at(i) for i in range(table.line_count)] == ["a", "b", "d"]
        table.apply([row("a", "zzz")])
        assert [table.key_at(i) for i in range(3)] == ["b", "d", "a"]


async def test_deleting_the_cursor_row_moves_to_its_neighbour() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update(rows(10))
        table.move_cursor("vm00004")
        table.apply(deletes=["vm00004", "vm00005"])
        await pilot.pause()
        assert table.cursor_key == "vm00006"
        table.move_cursor("vm00009")
        table.apply(deletes=["vm00009"])
        assert table.cursor_key == "vm00008"
        table.update([])
        assert table.cursor_key is None and table.line_count == 0
        table.update(rows(3))
        assert table.cursor_key == "vm00000"


async def test_movement_bindings_and_selection_messages() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update(rows(1000))
        await pilot.pause()
        await pilot.press("G")
        assert table.cursor_key == "vm00999"
        assert round(table.scroll_y) == table.max_scroll_y
        await pilot.press("g")
        assert table.cursor_index == 0
        await pilot.press("ctrl+f")
        page = table.cursor_index
        assert page is not None and page > 10
        await pilot.press("pagedown", "pageup", "k", "down", "up", "j", "end", "home")
        assert table.cursor_index == 0
        await pilot.press("down", "enter")
        await pilot.pause()
        selected = app.of_type(LiveTable.RowSelected)
        assert [m.key for m in selected] == ["vm00001"]
        assert selected[0].control is table


async def test_marks_toggle_with_space_and_vanish_with_their_rows() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update(rows(20))
        await pilot.pause()
        await pilot.press("space", "space", "j", "space")
        assert table.marked_keys == {"vm00000", "vm00001", "vm00003"}
        assert table.cursor_key == "vm00004"
        assert screen_lines(table)[1].startswith("●")
        await pilot.press("k", "space")
        assert table.marked_keys == {"vm00000", "vm00001"}
        table.apply(deletes=["vm00001"])
        await pilot.pause()
        assert table.marked_keys == {"vm00000"}
        assert app.of_type(LiveTable.MarksChanged)[-1].keys == {"vm00000"}
        table.move_cursor("vm00005")
        await pilot.press("ctrl+@")
        assert table.marked_keys == {f"vm{i:05d}" for i in (0, 3, 4, 5)}
        await pilot.press("ctrl+backslash")
        assert table.marked_keys == frozenset()


async def test_one_visible_row_update_repaints_one_line_of_fifty_thousand() -> None:
    table = CountingTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update(rows(50_000))
        await pilot.pause()
        assert 0 < table.rendered <= 3 * 24
        table.rendered = 0
        table.apply([row("vm00003", phase="Stopped", age=49_997)])
        await pilot.pause()
        assert 1 <= table.rendered <= 2
        assert "Stopped" in table.render_line(4).text
        table.rendered = 0
        table.apply([row("vm40000", phase="Stopped", age=10_000)])
        await pilot.pause()
        assert table.rendered == 0
        table.rendered = 0
        table.apply(deletes=["vm30000"])
        await pilot.pause()
        assert table.rendered <= 24
        assert table.row_count == 49_999


async def test_stale_rows_and_badges_render_with_glyph_and_word() -> None:
    table = LiveTable(COLUMNS, ascii_only=True)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update([
            Row("a", ("alpha", badge_text("error", "Failed", ascii_only=True), "1m"), stale=True),
            Row("b", ("bravo", Text("plain"), "2m")),
        ])
        await pilot.pause()
        lines = screen_lines(table)
        assert "x Failed" in lines[1]
        error_segments = [s for s in table.render_line(1) if "Failed" in s.text]
        assert error_segments and error_segments[0].style is not None
        assert error_segments[0].style.color is not None


def test_every_binding_has_an_id() -> None:
    for binding in LiveTable.BINDINGS:
        assert getattr(binding, "id", None), binding


async def test_mouse_header_click_sorts_and_row_click_moves_cursor() -> None:
    table = LiveTable(COLUMNS)
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.update(rows(50))
        await pilot.pause()
        await pilot.click(LiveTable, offset=(3, 5))
        assert table.cursor_key == "vm00004"
        await pilot.click(LiveTable, offset=(3, 0))
        assert table.sort_key == ("name", False)
        await pilot.click(LiveTable, offset=(3, 0))
        assert table.sort_key == ("name", True)
        assert table.cursor_key == "vm00004"


async def test_h_and_l_scroll_by_column() -> None:
    wide = [Column("a", "A", width=30), Column("b", "B", width=30), Column("c", "C", width=30)]
    table = LiveTable(wide)
    app = Harness(table)
    async with app.run_test(size=(40, 10)) as pilot:
        table.update([Row("r", ("a" * 30, "b" * 30, "c" * 30))])
        await pilot.pause()
        await pilot.press("l")
        assert round(table.scroll_x) == 2 + 31
        assert table.render_line(1).text.startswith("b" * 30)
        await pilot.press("l")
        assert round(table.scroll_x) == table.max_scroll_x
        await pilot.press("h", "left")
        assert round(table.scroll_x) == 0


async def test_rows_given_before_mount_show_with_the_cursor_in_view() -> None:
    table = LiveTable(COLUMNS)
    table.update(rows(100))
    table.move_cursor("vm00050")
    app = Harness(table)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert table.cursor_key == "vm00050"
        assert "vm00050" in table.visible_keys()
