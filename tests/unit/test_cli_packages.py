"""`kiap packages` and `kiap package show`: the catalogue as a table and one spec as an outline."""

from kiap_analysis.cli.main import main

from conftest import ROOT, TINY_SPEC, write

EXAMPLE_PACKAGES = ROOT / "docs" / "examples" / "packages"


def run(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def block(lines: list[str], first: str, length: int) -> list[str]:
    """``length`` lines starting at the line ``first``."""
    start = lines.index(first)
    return lines[start:start + length]


def test_packages_lists_the_catalogue_and_an_extra_folder(capsys):
    code, out, _ = run(capsys, "packages", "--catalogue", str(EXAMPLE_PACKAGES))
    assert code == 0
    assert out[0].split() == ["name", "title", "version", "data", "questions"]
    rows = {line.split()[0]: line for line in out[1:]}
    assert list(rows)[:3] == ["akutfunktioner", "attester", "forebyggelse-rehabilitering"]  # sorted by name
    assert "Attester til kommunen" in rows["attester"]
    assert rows["attester"].split()[-3:] == ["0.1", "survey", "4"]
    assert out[0].index("title") == rows["attester"].index("Attester")  # columns line up


def test_show_acute_package(capsys):
    code, out, err = run(capsys, "package", "show", "akutfunktioner")
    assert code == 0 and err == ""
    assert out[:3] == ["akutfunktioner: Kommunens akutfunktioner", "version: 1.0", "data: survey"]
    assert "source: Spørgeskema blandt klyngens medlemmer" in out
    assert "Scales (6)" in out
    assert block(out, "  kendskab", 3) == [
        "  kendskab",
        "    levels: Intet kendskab | Ringe kendskab | Noget kendskab | Godt kendskab | Meget godt kendskab",
        "    dont_know: (none)",
    ]
    assert block(out, "  hyppighed (higher is worse)", 3)[1:] == [
        "    levels: Aldrig | Sjældent | Nogle gange | Ofte | Altid",
        "    dont_know: Ved ikke",
    ]
    questions = out[out.index("Questions (11)"):out.index("Program (6 steps, 125 min)")]
    assert [line for line in questions if line.startswith("  ") and not line.startswith("   ")] == [
        "  blok1: Blok 1: Kendskab og behov",
        "  blok2: Blok 2: Kapacitet og kompetencer",
        "  blok3: Blok 3: Henvisning og samarbejde",
        "  opsamling: Opsamling og opfølgning",
    ]
    assert [line.split()[0] for line in questions if line.startswith("    q")] == [f"q{i}" for i in range(1, 12)]
    assert block(out, "    q2 (likert_grid): Hvor godt oplever du, at akutfunktionerne opfylder behovet for de "
                      "henviste patienter?", 8)[1:] == [
        "      short: Opfyldelse af behovet, efter patientgruppe",
        "      scale: opfyldelse",
        "      items:",
        "        - akut: Akut sygdom",
        "        - kronisk: Kronisk sygdom",
        "        - psykisk: Psykisk sygdom",
        "        - kompleks: Komplekse tilstande",
    ]
    assert not any(line.startswith("Offers") for line in out)
    assert "  pause: Pause (pause, 15 min)" in out
    assert block(out, "  blok3: Blok 3: Henvisning og samarbejde (block, 30 min)", 12)[5:] == [
        "    content: q7, q8, q9, q10",
        "    reflection:",
        "      - Hvilken henvisningsvej fungerer bedst i dagligdagen – for praksis og for kommunen?",
        "      - Hvad afholder os fra at henvise, og hvad kan vi gøre ved det?",
        "      - Hvordan sikrer vi tilbagemelding om de patienter, vi henviser?",
        "      - Hvem kontakter hvem under et igangværende forløb?",
        "  opsamling: Opsamling og opfølgning (summary, 15 min)",
    ]


def test_show_prevention_package_with_offers_and_referral_chart(capsys):
    code, out, _ = run(capsys, "package", "show", "forebyggelse-rehabilitering")
    assert code == 0
    assert out[2] == "data: survey, referrals"
    assert "Offers (5)" in out
    assert block(out, "  kol: KOL", 2) == [
        "  kol: KOL", "    aliases: Kronisk obstruktiv lungesygdom, KOL-rehabilitering, Lungerehabilitering, COPD"]
    assert "Program (6 steps, 150 min)" in out  # 10 + 60 + 20 + 20 + 20 + 20
    assert "    content: referrals (rates), q3, q6" in out
    start = out.index("  blok1: Blok 1: Kommunens tilbud (block, 60 min)")
    blok1 = out[start:out.index("  pause: Pause (pause, 20 min)")]
    assert sum(line.startswith("      - ") for line in blok1) == 4 + 8  # points, reflection questions


def test_show_example_by_catalogue_folder_and_by_path(capsys, monkeypatch):
    monkeypatch.chdir(EXAMPLE_PACKAGES.parent)
    code, by_name, _ = run(capsys, "package", "show", "attester", "--catalogue", "packages")
    assert code == 0
    code, by_path, _ = run(capsys, "package", "show", "packages/attester.yaml")
    assert code == 0 and by_path == by_name
    assert "file: packages/attester.yaml" in by_name
    assert block(by_name, "    q1 (single_choice): Hvor mange attester til kommunen udfylder du typisk på en måned?",
                 7)[2:] == [
        "      options:",
        "        - ingen: Ingen",
        "        - 1_5: 1-5",  # ids of plain-text options are slugs of the labels
        "        - 6_10: 6-10",
        "        - flere_end_10: Flere end 10",
    ]
    assert "Program (3 steps, 60 min)" in by_name


def test_show_groups_unplaced_questions_and_own_scales(tmp_path, capsys):
    extra = ("\n  - id: q4\n    text: Hvor tilfreds er du?\n    type: likert\n"
             "    scale: {levels: [Utilfreds, Tilfreds], higher_is_better: false}\nprogram:")
    path = write(tmp_path / "tiny.yaml", TINY_SPEC.replace("\nprogram:", extra, 1))
    code, out, _ = run(capsys, "package", "show", str(path))
    assert code == 0
    assert out[out.index("Questions (4)"):out.index("Program (2 steps, 25 min)") - 1] == [
        "Questions (4)",
        "  blok1: Blok 1: Det hele",
        "    q1 (likert): Hvor enig er du?",
        "      scale: enighed",
        "    q2 (multi_choice): Hvordan henviser du?",
        "      options:",
        "        - tlf: Telefon",
        "        - brev: Brev",
        "        - andet: Andet",
        "    q3 (free_text): Kommentarer",
        "  (not in the program)",
        "    q4 (likert): Hvor tilfreds er du?",
        "      scale: (own) (higher is worse)",
        "        levels: Utilfreds | Tilfreds",
        "        dont_know: (none)",
    ]


def test_unknown_package_lists_the_known_ones(capsys):
    code, out, err = run(capsys, "package", "show", "laegemidler")
    assert code == 2 and out == []
    assert err.startswith("kiap: unknown package 'laegemidler' (known: akutfunktioner, ")
    assert "forebyggelse-rehabilitering" in err


def test_unusable_catalogue_or_spec_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "package", "show", "attester", "--catalogue", str(tmp_path / "nope"))
    assert code == 2 and "catalogue folder" in err and "does not exist" in err
    code, _, err = run(capsys, "packages", "--catalogue", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in err
    bad = write(tmp_path / "bad.yaml", TINY_SPEC.replace("type: likert,", "type: likert_scale,"))
    code, out, err = run(capsys, "package", "show", str(bad))
    assert code == 2 and out == []
    assert "questions[0] (q1): type 'likert_scale' is not one of" in err
