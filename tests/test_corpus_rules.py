"""The corpus rules ``stance data check`` enforces beyond the schema, and the writers' copy check."""

from tests.conftest import write_jsonl
from training.corpus_check import check_corpus
from training.corpus_stats import corpus_stats, event_majority_accuracy, lopsided_events
from training.provenance import check_copying, shared_runs


def row(i, text, **fields):
    return {"id": f"s{i}", "text": text, "stances": ["condemnation"], "tone": "measured", "split": "train", **fields}


def test_dates_after_the_cutoff_fail_whether_day_or_month(tmp_path):
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            row(1, "We condemn the strike on the port.", date="2025-09-30"),
            row(2, "The envoy wrote to the council.", date="2025-10-01"),
            row(3, "The minister travelled to Muscat.", date="2025-10"),
            row(4, "The parliament met in closed session.", date="2025-09"),
        ],
    )
    report = check_corpus(path, cutoff="2025-09-30")
    assert report.problems == [
        f"{path}:2: date: 2025-10-01 is after the corpus cutoff 2025-09-30",
        f"{path}:3: date: 2025-10 is after the corpus cutoff 2025-09-30",
    ]
    assert check_corpus(path).ok  # no cutoff asked for: user files may hold any date


def test_contrast_partners_must_exist_and_share_the_split(tmp_path):
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            row(1, "They will pay for the attack on our consulate."),
            row(2, "If they attack our consulate again, they will pay.", origin="contrast", contrast_of="s1"),
            row(3, "Should they attack, they will pay.", origin="contrast", contrast_of="s1", split="test"),
            row(4, "We reserve the right to answer.", origin="contrast", contrast_of="s9"),
        ],
    )
    assert check_corpus(path).problems == [
        f"{path}:3: split: contrast 's3' is in 'test' but its partner 's1' is in 'train'; partners must share a split",
        f"{path}:4: contrast_of: partner 's9' is not in the file",
    ]


def test_too_many_shared_openings_fail_and_are_listed(tmp_path):
    texts = [f"In the name of God, statement number {w} follows." for w in ("one", "two", "three")]
    texts += [f"Quite different opening {w} here today." for w in "abcdefghijklmnopq"]
    path = write_jsonl(tmp_path / "o.jsonl", [row(i, t) for i, t in enumerate(texts)])
    report = check_corpus(path)
    assert report.shared_opening_rate == 0.15
    assert report.common_openings == [("in the name of god", 3)]
    assert not report.ok and "share their first 5 words" in report.problems[-1]


def test_event_majority_accuracy_counts_events_and_singletons():
    from classifier.corpus import Statement

    def st(i, event, stance):
        return Statement(text="t", stances=(stance,), tone="measured", id=str(i), event=event)

    rows = [st(1, "a", "condemnation"), st(2, "a", "condemnation"), st(3, "a", "solidarity"), st(4, None, "neutral")]
    rows += [st(5, "b", "neutral"), st(6, "b", "de_escalation")]
    # event a: 2 of 3 right; the unevented row is its own event (1 of 1); event b: 1 of 2
    assert event_majority_accuracy(rows) == round(4 / 6, 4)
    assert lopsided_events(rows, min_size=3) == {"a": {"condemnation": 2, "solidarity": 1}}


def test_stats_report_origins_actors_and_event_predictiveness(tmp_path):
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [
            row(1, "a", event="e", origin="real-derived", source_url="https://x.org/1"),
            row(2, "b", event="e", actor="non_iranian", speaker="other"),
        ],
    )
    stats = corpus_stats(path)
    assert stats["origin"] == {"composed": 1, "real-derived": 1}
    assert stats["actor"] == {"iranian": 1, "non_iranian": 1}
    assert stats["event_majority_accuracy"] == 1.0


def test_shared_runs_find_copied_passages_through_case_and_punctuation():
    source = 'He said: "Israel has added to its record a new black page by the recent strikes against Syria."'
    copied = "The spokesman said Israel had added to its record a new black page by the recent strikes."
    assert shared_runs(copied, source) == ["added to its record a new black page by the recent strikes"]
    assert shared_runs("Israel, he said, has written another dark chapter with these raids.", source) == []
    # seven shared words are allowed, eight are not
    assert shared_runs("x a new black page by the recent y", source) == []
    assert shared_runs("x a new black page by the recent strikes y", source) == [
        "a new black page by the recent strikes"
    ]


def test_copy_check_reads_the_sources_file_and_flags_unsourced_statements(tmp_path):
    data = write_jsonl(
        tmp_path / "d.jsonl",
        [
            row(
                1,
                "Israel has added to its record a new black page, he said.",
                origin="real-derived",
                source_url="https://x.org/1",
            ),
            row(2, "Tehran warned of a firm answer.", origin="real-derived", source_url="https://x.org/2"),
            row(3, "Composed text.", origin="composed"),
        ],
    )
    sources = write_jsonl(
        tmp_path / "src.jsonl",
        [
            {
                "id": "s1",
                "source_url": "https://x.org/1",
                "source_quote": "Israel has added to its record a new black page",
            }
        ],
    )
    overlaps, unsourced = check_copying(data, sources)
    assert [(o.id, o.run) for o in overlaps] == [("s1", "israel has added to its record a new black page")]
    assert unsourced == ["s2"]


def test_a_headline_copied_from_the_page_title_is_caught_though_shorter_than_the_run(tmp_path):
    # the v2.2 check read only the quoted passage and missed a seven-word headline kept from the title
    data = write_jsonl(
        tmp_path / "d.jsonl",
        [
            row(
                1,
                "Netanyahu: Israel will stop Iran's nuclear bomb",
                origin="real-derived",
                source_url="https://x.org/1",
            ),
            row(2, "Israel vows to keep Tehran from the bomb", origin="real-derived", source_url="https://x.org/2"),
        ],
    )
    title = "Netanyahu: Israel will stop Iran's nuclear bomb, whatever it takes"
    sources = write_jsonl(
        tmp_path / "src.jsonl",
        [
            {
                "id": f"s{i}",
                "source_url": f"https://x.org/{i}",
                "source_quote": "He spoke in Jerusalem.",
                "source_title": title,
            }
            for i in (1, 2)
        ],
    )
    overlaps, _ = check_copying(data, sources)
    assert [(o.id, o.run) for o in overlaps] == [("s1", "israel will stop iran's nuclear bomb")]


def test_a_contrast_sharing_its_partners_opening_is_not_templated_writing(tmp_path):
    rows = [row(0, "They will pay for the attack on our consulate, the commander said.")]
    rows.append(
        row(
            1, "They will pay for any attack on our consulate, the commander said.", origin="contrast", contrast_of="s0"
        )
    )
    rows += [row(2 + i, f"Opening number {w} stands alone here.") for i, w in enumerate("abcdefgh")]
    report = check_corpus(write_jsonl(tmp_path / "c.jsonl", rows))
    assert report.shared_opening_rate == 0.0 and report.ok


def test_a_contrast_batch_is_checked_against_the_corpus_of_its_partners(tmp_path):
    facts = {"event": "consulate-strike-2024-04", "date": "2024-04-02", "speaker": "irgc", "speaker_name": "IRGC"}
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            row(1, "They will pay for the attack on our consulate in Damascus.", stances=["retaliation_vow"], **facts),
            row(2, "The envoy handed a letter of protest to the council.", **facts),
            row(3, "The ministry summoned the ambassador.", **facts),
        ],
    )
    contrast = {"origin": "contrast", "split": None}
    batch = write_jsonl(
        tmp_path / "x99.jsonl",
        [
            row(
                3,
                "Should they strike a consulate of ours again, they will pay.",
                **{**facts, **contrast},
                stances=["deterrence_warning"],
                contrast_of="s1",
            ),  # reuses a corpus id
            row(
                4,
                "The envoy handed a letter of protest to the council today.",
                **{**facts, **contrast},
                contrast_of="s2",
            ),  # same labels as its partner
            row(
                5,
                "They will pay for the attack on our consulate in Damascus, he said.",
                **{**facts, **contrast, "date": "2024-04-03"},
                contrast_of="s1",
                stances=["deterrence_warning"],
            ),
            row(6, "We reserve the right to answer.", **{**facts, **contrast}, contrast_of="s9"),
        ],
    )
    report = check_corpus(batch, partners=corpus)
    assert report.problems == [
        f"{batch}:4: contrast_of: partner 's9' is not in the file or the partners' corpus",
        f"{batch}:1: id: 's3' is already in the corpus",
        f"{batch}:2: stances: the same labels as partner 's2' (condemnation; measured); "
        "a contrast must change a stance or the tone",
        f"{batch}:3: date: '2024-04-03' differs from partner 's1''s '2024-04-02'",
    ]
    assert report.partners == (corpus, 2) and report.n == 4
    # a contrast and its partner are near duplicates by design; without splits they stay within one
    assert report.near and not report.cross_split
    assert "checked with 2 partners from" in report.render()


def test_a_speaker_left_iranian_where_most_rows_name_them_non_iranian_fails(tmp_path):
    pompeo = {"speaker": "other", "speaker_name": "Mike Pompeo"}
    ministry = "Ministry of Foreign Affairs"
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            row(1, "Iran was behind the tanker attacks, the secretary said.", actor="non_iranian", **pompeo),
            row(2, "The secretary called the strikes an act of war.", actor="non_iranian", **pompeo),
            row(3, "Washington blamed Tehran for the drone attack.", **pompeo),  # actor left out
            # Iran's own foreign ministry under a generic name does not vote against a foreign one
            row(4, "Tehran summoned the Swiss envoy.", speaker="foreign_ministry", speaker_name=ministry),
            row(5, "A protest note went to Baku.", speaker="foreign_ministry", speaker_name=ministry),
            row(6, "Doha urged calm.", speaker="other", speaker_name=ministry, actor="non_iranian"),
        ],
    )
    assert check_corpus(path).problems == [
        f"{path}:3: actor: 'iranian', but the rows naming 'Mike Pompeo' are 1 'iranian', 2 'non_iranian'; give one "
        "speaker one actor (a different speaker of the same name: name them fully, e.g. 'Qatari Ministry of Foreign "
        "Affairs')"
    ]


def test_a_batch_row_is_checked_against_the_corpus_and_a_tie_reports_both_sides(tmp_path):
    danon = {"speaker": "other", "actor": "non_iranian"}
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl",
        [
            row(1, "The envoy said Israel would answer.", speaker_name="Danny Danon", **danon),
            row(2, "The envoy spoke of a red line.", speaker_name="danny  danon", **danon),
            row(3, "The speaker met the delegation.", speaker="other", speaker_name="Ghalibaf"),
        ],
    )
    batch = write_jsonl(
        tmp_path / "b.jsonl",
        [
            row(10, "Danon told the council Israel would defend itself.", speaker="other", speaker_name="Danny Danon"),
            row(11, "The speaker welcomed the visitors.", speaker_name="Ghalibaf", **danon),
        ],
    )
    problems = check_corpus(batch, partners=corpus).problems
    assert [p.split(": actor: ")[0] for p in problems] == [f"{batch}:1", f"{batch}:2"]
    assert "1 'iranian', 2 'non_iranian'" in problems[0]  # the corpus votes; case and spacing are ignored
    assert "1 'iranian', 1 'non_iranian'" in problems[1]  # a tie: either side may be the slip
