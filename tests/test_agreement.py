"""Annotator agreement, overall and per origin: hand-checkable cases."""

from evaluation.agreement import agreement, agreement_by, main


def rows(labels, origins):
    return {
        str(i): {"id": str(i), "stances": s, "tone": t, **({"origin": o} if o else {})}
        for i, ((s, t), o) in enumerate(zip(labels, origins, strict=True))
    }


def test_identical_annotations_agree_perfectly_and_groups_split_by_origin(tmp_path):
    labels = [(["condemnation"], "measured"), (["solidarity"], "solemn"), (["neutral"], "measured")] * 8
    origins = ["real-derived"] * 12 + [None] * 12
    first = rows(labels, origins)
    second = {k: {"id": k, "stances": v["stances"], "tone": v["tone"]} for k, v in first.items()}
    second["0"] = {"id": "0", "stances": ["diplomatic_appeal", "condemnation"], "tone": "measured"}
    overall = agreement(first, second)
    assert overall["n"] == 24 and overall["disagreements"] == ["0"]
    by = agreement_by(first, second, "origin", "composed")
    assert set(by) == {"real-derived", "composed"}
    assert by["composed"]["stance_f1_b_vs_a"]["macro"] == 1.0 and by["composed"]["tone_kappa"] == 1.0
    assert by["real-derived"]["primary_agreement"] == 11 / 12


def test_cli_writes_the_per_origin_table(tmp_path, capsys):
    import json

    labels = [(["condemnation"], "measured"), (["solidarity"], "solemn")] * 10
    first = rows(labels, ["contrast"] * 20)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in first.values()))
    b.write_text("".join(json.dumps(r) + "\n" for r in first.values()))
    main([str(a), str(b), str(tmp_path / "out.json"), "--by", "origin"])
    assert "| contrast | 20 | 1.000 |" in capsys.readouterr().out
    assert json.loads((tmp_path / "out.json").read_text())["by_origin"]["contrast"]["n"] == 20


def test_disagreements_file_holds_each_case_with_both_labellings(tmp_path, capsys):
    import json

    first = {
        "a": {
            "id": "a",
            "text": "We will respond.",
            "speaker": "irgc",
            "stances": ["retaliation_vow"],
            "tone": "defiant",
        },
        "b": {
            "id": "b",
            "text": "Talks resume.",
            "stances": ["de_escalation", "diplomatic_appeal"],
            "tone": "measured",
        },
        "c": {"id": "c", "text": "We mourn.", "stances": ["solidarity"], "tone": "solemn"},
        "d": {"id": "d", "text": "Same.", "stances": ["neutral"], "tone": "measured"},
    }
    second = {
        # same set, other primary: a disagreement the set alone would miss
        "b": {"id": "b", "stances": ["diplomatic_appeal", "de_escalation"], "tone": "measured", "note": "r12"},
        "a": {"id": "a", "stances": ["retaliation_vow"], "tone": "hostile"},
        "c": {"id": "c", "stances": ["solidarity"], "tone": "solemn"},
        "d": {"id": "d", "stances": ["neutral"], "tone": "measured"},
    }
    paths = []
    for name, table in (("first", first), ("second", second)):
        paths.append(tmp_path / f"{name}.jsonl")
        paths[-1].write_text("".join(json.dumps(r) + "\n" for r in table.values()))
    out = tmp_path / "disagreements.jsonl"
    main([str(paths[0]), str(paths[1]), "--disagreements", str(out)])
    assert "2 disagreements written" in capsys.readouterr().out
    found = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in found] == ["b", "a"]  # the second file's order
    assert found[0]["label_1"] == {"stances": ["de_escalation", "diplomatic_appeal"], "tone": "measured"}
    assert found[0]["label_2"]["note"] == "r12" and found[0]["text"] == "Talks resume."
    assert found[1]["speaker"] == "irgc" and found[1]["label_2"]["tone"] == "hostile"
