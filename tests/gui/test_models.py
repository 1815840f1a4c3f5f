"""Every model the app defines passes Qt's model tester, and drag and drop reorders the file."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, Qt

from simulator_app.core.funnel import expected_funnel
from simulator_app.core.journey import JourneyEngine
from simulator_app.gui.catalog_model import CatalogModel
from simulator_app.gui.document import ScenarioDocument
from simulator_app.gui.edits import get
from simulator_app.gui.funnel_view import FunnelModel
from simulator_app.gui.identities_panel import VisitorsModel
from simulator_app.gui.journey_models import STEP_TYPE_MIME, JourneysModel, StepsModel
from simulator_app.gui.store_panel import StorePanel


def _types(document: ScenarioDocument, journey: int) -> list[str]:
    return [str(s["type"]) for s in get(document.data, ("journeys", journey, "steps"))]


def test_journey_and_step_models(qtmodeltester, document: ScenarioDocument) -> None:  # type: ignore[no-untyped-def]
    journeys = JourneysModel(document)
    qtmodeltester.check(journeys)
    assert journeys.rowCount() == 3
    assert journeys.index(0, 0).data() == "browser"
    steps = StepsModel(document)
    steps.set_journey(2)
    qtmodeltester.check(steps)
    assert steps.rowCount() == 7
    assert "updatecart" in steps.index(3, 0).data()


def test_funnel_visitors_and_catalog_models(
    qtmodeltester, qtbot, document: ScenarioDocument
) -> None:  # type: ignore[no-untyped-def]
    assert document.scenario is not None
    funnel = FunnelModel()
    funnel.set_funnel(expected_funnel(document.scenario))
    qtmodeltester.check(funnel)
    assert 0 < funnel.share("buy") < funnel.share("checkout") < funnel.share("view")
    assert abs(funnel.share("view") - 1.0) < 1e-9
    visitors = VisitorsModel()
    engine = JourneyEngine(document.scenario)
    visitors.set_visitors(
        [engine.visitor(i) for i in range(5)], [engine.journeys_of(i) for i in range(5)]
    )
    qtmodeltester.check(visitors)
    assert visitors.index(0, visitors.COLUMNS.index("Name")).data() == engine.visitor(0).name
    generated = CatalogModel(document)
    qtmodeltester.check(generated)
    assert generated.rowCount() == 8 * 12  # the template generates 8 categories of 12
    assert not generated.flags(generated.index(0, 2)) & Qt.ItemFlag.ItemIsEditable
    # Switching to a listed catalog makes the same products editable in the file.
    panel = StorePanel(document)
    qtbot.addWidget(panel)
    panel.listed.setChecked(True)
    listed = CatalogModel(document)
    qtmodeltester.check(listed)
    assert listed.rowCount() == 96
    assert listed.setData(listed.index(0, 2), "Renamed Product")
    assert get(document.data, ("store", "catalog", "categories", 0, "products", 0, "title")) == (
        "Renamed Product"
    )
    assert document.scenario is not None
    assert document.scenario.store.catalog is not None
    assert document.scenario.store.catalog.categories[0].products[0].title == "Renamed Product"


def test_moving_rows_reorders_the_document_and_undoes(document: ScenarioDocument) -> None:
    steps = StepsModel(document)
    steps.set_journey(2)
    before = _types(document, 2)
    assert steps.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)  # first step before row 3
    after = _types(document, 2)
    assert after == [before[1], before[2], before[0], *before[3:]]
    assert steps.index(2, 0).data().startswith("3. view")
    document.undo_stack.undo()
    assert _types(document, 2) == before


def test_drag_and_drop_mime_moves_and_inserts(document: ScenarioDocument) -> None:
    steps = StepsModel(document)
    steps.set_journey(0)
    before = _types(document, 0)
    data = steps.mimeData([steps.index(3, 0)])
    assert steps.canDropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert steps.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert _types(document, 0) == [before[3], *before[:3]]
    palette = QMimeData()
    palette.setData(STEP_TYPE_MIME, QByteArray(b"checkout"))
    assert steps.dropMimeData(palette, Qt.DropAction.CopyAction, -1, 0, QModelIndex())
    assert _types(document, 0)[-1] == "checkout"
    # A checkout with no cart before it is reported against that step.
    problems = document.problems_at(("journeys", 0, "steps", 4))
    assert any("needs an updatecart" in p.message for p in problems)
