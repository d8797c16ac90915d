"""Link states in the header and on the data: stale when the API refuses connections, live again after."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import make_app, ready, screen_text, until
from tests.app.objects import vd
from widgets.live_table import LiveTable
from widgets.live_tree import LiveTree

Data = dict[str, dict[str, Any]]


def header(app: Any) -> str:
    return "\n".join(screen_text(app).splitlines()[:2])


async def test_header_names_context_cluster_user_namespace_generation(sim: Any, data: Data) -> None:
    app = make_app(sim, readonly=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: "live: 13 kinds" in header(app))
        top = header(app)
        for expected in ("ctx dvpsnap-sim", "cluster dvpsnap-sim", "user dvpsnap-sim-admin", "ns lab",
                         "DVP v1.10", "READ-ONLY", "not served: vmrestore"):
            assert expected in top, expected


async def test_the_generation_is_not_guessed_before_the_cluster_answered(sim: Any, data: Data) -> None:
    sim.faults.stall()  # every request waits: the kubeconfig is read, discovery is not answered yet
    try:
        app = make_app(sim)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: "cluster dvpsnap-sim" in header(app), what="identity from the kubeconfig")
            assert "DVP …" in header(app) and "no DVP" not in header(app)
            sim.faults.stall(False)
            await until(pilot, lambda: "DVP v1.10" in header(app), what="the generation once detected")
    finally:
        sim.faults.stall(False)


async def test_stale_data_stays_marked_while_refused_and_recovers(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        web = data["web-01"]["metadata"]["uid"]
        await until(pilot, lambda: tree.node(web) is not None)
        sim.faults.refuse(4)
        await until(pilot, lambda: "stale since" in header(app), what="stale in the header")
        assert "connection refused" in header(app).lower() or "Connection" in header(app)
        node = tree.node(web)
        assert node is not None and node.stale  # the last known data stays, visibly marked
        assert "VM web-01" in screen_text(app)
        assert "showing the last known data" in screen_text(app)
        await pilot.press("colon", *"vd", "enter")
        table = app.screen.query_one(LiveTable)
        await until(pilot, lambda: table.row_count == 4)
        assert all(table.row(table.key_at(i)).stale for i in range(4))  # type: ignore[union-attr]
        await until(pilot, lambda: "live: 13 kinds" in header(app) and "stale" not in header(app),
                    timeout=30, what="recovery")
        assert not any(table.row(table.key_at(i)).stale for i in range(4))  # type: ignore[union-attr]
        created = sim.apply(vd("after-outage"))
        await until(pilot, lambda: table.row(created["metadata"]["uid"]) is not None, what="live again")
