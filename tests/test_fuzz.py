"""Hostile input thrown at the roster importers and the definition loader: always a
clear bad-input error, never a traceback, never a partial write."""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_service
from tests.test_service import dump
from workflow.app.service import Service
from workflow.domain.definition import loads
from workflow.domain.rosters import MAX_CELL, ROSTER_KINDS, parse_bytes
from workflow.errors import BadInput, BadRows

TODAY = dt.date(2021, 6, 30)
KINDS = st.sampled_from(sorted(ROSTER_KINDS))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def shared_service() -> Service:
    folder = Path(tempfile.mkdtemp(prefix="workflow-fuzz-"))
    svc = make_service(f"sqlite:///{folder / 'fuzz.db'}")
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    return svc


def parse_or_refuse(data: bytes, name: str, kind: str) -> None:
    try:
        parse_bytes(data, name, ROSTER_KINDS[kind], TODAY)
    except BadInput as e:
        assert e.text.en and e.text.zh
        if isinstance(e, BadRows):
            assert e.problems


@FAST
@given(data=st.binary(max_size=2000), kind=KINDS, suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_random_bytes_are_refused_cleanly(data: bytes, kind: str, suffix: str) -> None:
    parse_or_refuse(data, "f" + suffix, kind)


@FAST
@given(text=st.text(max_size=500), kind=KINDS)
def test_random_text_in_gbk_or_utf8(text: str, kind: str) -> None:
    header = ",".join(c.name for c in ROSTER_KINDS[kind].columns) + "\n"
    for encoding in ("utf-8", "gbk"):
        try:
            data = (header + text).encode(encoding)
        except UnicodeEncodeError:
            continue
        parse_or_refuse(data, "f.csv", kind)


def test_gbk_file_is_named_as_not_utf8() -> None:
    data = "name,organisation\n张三,一村\n".encode("gbk")
    try:
        parse_bytes(data, "g.csv", ROSTER_KINDS["grassroots"], TODAY)
    except BadInput as e:
        assert "not UTF-8" in e.text.en and "g.csv" in e.text.en
    else:
        raise AssertionError("a GBK file was accepted")


@FAST
@given(
    cell=st.one_of(
        st.builds(lambda c, n: c * n, st.sampled_from("甲a0 ,\n"), st.integers(MAX_CELL + 1, MAX_CELL + 100)),
        st.from_regex(r"[=+@][A-Za-z|'!]{1,30}", fullmatch=True),
    )
)
def test_huge_cells_and_formulas_are_refused(cell: str) -> None:
    data = ("name,organisation\n" + '"' + cell.replace('"', '""') + '",一村\n').encode()
    try:
        parse_bytes(data, "g.csv", ROSTER_KINDS["grassroots"], TODAY)
    except BadRows as e:
        assert "line 2" in e.problems[0].en
    else:
        raise AssertionError(f"accepted {cell[:20]!r}")


@FAST
@given(day=st.text(alphabet="0123456789-/ .年月日", min_size=1, max_size=12))
def test_malformed_dates_are_refused(day: str) -> None:
    try:
        value = dt.date.fromisoformat(day)
        if len(day) == 10 and value <= TODAY:
            return  # a real date
    except ValueError:
        pass
    data = f"tier,interviewer,interviewee,date\n1,甲,乙,{day}\n".encode()
    try:
        parse_bytes(data, "t.csv", ROSTER_KINDS["talks"], TODAY)
    except BadInput as e:
        assert "t.csv" in e.text.en
    else:
        raise AssertionError(f"accepted date {day!r}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), kind=KINDS)
def test_bad_import_never_writes(data: bytes, kind: str) -> None:
    svc = shared_service()
    folder = Path(tempfile.mkdtemp(prefix="workflow-fuzz-file-"))
    path = folder / "roster.csv"
    path.write_bytes(data)
    before = dump(svc)
    try:
        svc.import_roster("东湖镇", kind, path, replace=True)
    except BadInput:
        assert dump(svc) == before


@FAST
@given(data=st.binary(max_size=1500))
def test_definition_loader_refuses_random_bytes(data: bytes) -> None:
    try:
        loads(data, "fuzz.toml")
    except BadInput as e:
        assert "fuzz.toml" in e.text.en


@FAST
@given(
    text=st.recursive(
        st.one_of(st.integers(), st.text(max_size=10), st.booleans(), st.floats(allow_nan=False)),
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_definition_loader_refuses_odd_structures(text: object) -> None:
    import tomllib

    from workflow.domain.definition import build

    raw = {"process": text, "stages": text, "transitions": text}
    try:
        build(raw, "odd.toml")
    except BadInput as e:
        assert "odd.toml" in e.text.en
    _ = tomllib
