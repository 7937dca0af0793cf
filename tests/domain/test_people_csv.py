"""Reading a CSV file of people: headings in either language, separators,
and every problem reported by line (domain/people_csv.py; no app)."""

from __future__ import annotations

from cop_vote.domain.people_csv import MAX_ROWS, PersonRow, decode, parse


def test_semicolons_a_byte_order_mark_and_dutch_headings_are_read() -> None:
    text = decode(
        "\ufeffNaam;E-mail;Organisatie;Rol;Taal\r\n"
        "Amina Warsame; amina@example.org ;ADPC;Vertegenwoordiger;Engels\r\n"
        ";;;;\r\n"
        "Olu;olu@example.org;;waarnemer;\r\n".encode()
    )
    rows, errors = parse(text)
    assert errors == []
    assert rows == [
        PersonRow(2, "Amina Warsame", "amina@example.org", "ADPC", "representative", "en"),
        PersonRow(4, "Olu", "olu@example.org", None, "observer", None),
    ]


def test_columns_in_any_order_with_commas_and_a_windows_encoding() -> None:
    rows, errors = parse(decode("email,name\nj@example.org,José Núñez\n".encode("cp1252")))
    assert errors == []
    assert [(r.name, r.email, r.role, r.organisation) for r in rows] == [
        ("José Núñez", "j@example.org", "representative", None)
    ]


def test_every_problem_is_reported_with_its_line_and_column() -> None:
    rows, errors = parse(
        "name,email,role,language\n"
        "A,a@example.org,,\n"
        ",b@example.org,,\n"
        "C,A@EXAMPLE.ORG,chair,de\n"
        "D,d@example.org,,,extra\n"
    )
    assert [r.line for r in rows] == [2]
    found = [(e.line, e.column, str(e.message)) for e in errors]
    assert found == [
        (3, "name", "This field is required."),
        (4, "role", "Unknown role chair: representative, observer or facilitator."),
        (4, "language", "Unknown language de: nl or en."),
        (4, "email", "The same address is on line 2."),
        (5, "file", "5 fields where the heading has 4."),
    ]


def test_a_file_without_the_needed_headings_or_people_is_refused() -> None:
    assert [str(e.message) for e in parse("")[1]] == ["The file is empty."]
    _rows, errors = parse("naam;telefoon\nA;1\n")
    assert [(e.column, str(e.message)) for e in errors] == [
        ("telefoon", "Unknown column telefoon: use name, email, organisation, role and language."),
        ("email", "The column email is missing."),
    ]
    assert [str(e.message) for e in parse("name,email\n\n")[1]] == ["The file has no people in it."]


def test_more_than_the_maximum_is_refused() -> None:
    lines = "".join(f"P{n},p{n}@example.org\n" for n in range(MAX_ROWS + 1))
    rows, errors = parse("name,email\n" + lines)
    assert len(rows) == MAX_ROWS
    assert [(e.line, str(e.message)) for e in errors] == [
        (MAX_ROWS + 2, f"At most {MAX_ROWS} people in one file.")
    ]


def test_a_line_the_csv_reader_cannot_read_is_reported_not_raised() -> None:
    rows, errors = parse("name,email\nA,a@example.org\n" + "x" * 140_000 + ",b@example.org\n")
    assert [r.line for r in rows] == [2]
    assert [(e.line, e.column, str(e.message)) for e in errors] == [
        (3, "file", "This line cannot be read as CSV (check its quotes).")
    ]
