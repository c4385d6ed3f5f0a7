"""generate_mutation_context on synthetic profiles: budget, ranking, determinism, safety."""

from __future__ import annotations

import re
from pathlib import Path

from aiopt_harness.measurement.results import Status
from aiopt_harness.profilers.mutation_context import artifact_safe, generate_mutation_context
from aiopt_harness.profilers.profiling import Profile
from aiopt_harness.profilers.section import LineHotspot, ProfileSection, unavailable

SOURCE = tuple(f"int line_{n} = compute({n});" for n in range(1, 61))


def hotspots(lines: list[int], key: str) -> list[LineHotspot]:
    return [
        LineHotspot(line, SOURCE[line - 1], {key: 0.5 / rank}, 1.0 / rank)
        for rank, line in enumerate(lines, start=1)
    ]


def synthetic_profile() -> Profile:
    sections = {
        "counters": ProfileSection(
            "counters",
            True,
            label="perf_event",
            figures={"calls": 10},
            notes=["unavailable: cycles: ENOENT: no hardware PMU"],
        ),
        "simulated": ProfileSection(
            "simulated",
            True,
            label="cachegrind",
            figures={"D1 miss rate": 0.12},
            hotspots=hotspots([22, 21, 30, 31, 40, 41, 50], "share"),
        ),
        "sampling": ProfileSection(
            "sampling", True, label="perf record", hotspots=hotspots([22, 23, 5], "share")
        ),
        "causal": unavailable("causal", "not requested"),
        "offcpu": unavailable("offcpu", "no measurement"),
    }
    return Profile(
        "t",
        Path("c.cpp"),
        Status.OK,
        "ok",
        SOURCE,
        {"time_ns": {"median": 2.5e6, "min": 2.1e6, "n": 100}},
        sections,
    )


def test_reports_lines_with_quoted_source_and_the_unavailable_profilers() -> None:
    context = generate_mutation_context(synthetic_profile())
    assert "line 22 `int line_22 = compute(22);`" in context.text
    assert "Unavailable: causal: not requested" in context.text
    assert "Unavailable: offcpu: no measurement" in context.text
    assert "median 2.500 ms" in context.text
    assert context.data["unavailable"] == {"causal": "not requested", "offcpu": "no measurement"}


def test_sections_follow_a_fixed_order() -> None:
    text = generate_mutation_context(synthetic_profile()).text
    assert text.index("Simulated") < text.index("Sampled") < text.index("counters per call")


def test_fits_the_budget_by_rank_and_keeps_the_top_lines() -> None:
    full = generate_mutation_context(synthetic_profile(), max_chars=100_000)
    for budget in (450, 600, 800):
        short = generate_mutation_context(synthetic_profile(), max_chars=budget)
        assert len(short.text) <= budget
        assert len(short.text) < len(full.text)
        assert "line 22" in short.text  # the top line of the top sections survives
        assert "Unavailable: causal" in short.text
        assert short.data["omitted_items"] > 0


def test_is_deterministic() -> None:
    first = generate_mutation_context(synthetic_profile(), max_chars=900)
    second = generate_mutation_context(synthetic_profile(), max_chars=900)
    assert first == second


def test_failed_program_says_so() -> None:
    profile = Profile("t", Path("c.cpp"), Status.CRASH, "killed by SIGSEGV", SOURCE, {}, {})
    text = generate_mutation_context(profile).text
    assert "not profiled: crash: killed by SIGSEGV" in text


def test_artifact_safe_defeats_openevolve_redaction() -> None:
    mangled = "_ZNSt6vectorIdSaIdEE17_M_realloc_insertIJRKdEEEvN9__gnu_cxx17__normal"
    text = artifact_safe(f"{mangled} token=3 Password: x")
    assert not re.search(r"[A-Za-z0-9]{32,}", text)
    assert not re.search(r"(token|password)[=:]", text, re.IGNORECASE)


def test_output_never_holds_redactable_runs() -> None:
    profile = synthetic_profile()
    long_name = "a" * 40
    profile.sections["sampling"].hotspots.insert(
        0, LineHotspot(1, f"int {long_name} = token=1;", {"share": 0.9}, 9.0)
    )
    text = generate_mutation_context(profile).text
    assert not re.search(r"[A-Za-z0-9]{32,}", text)
    assert "token =" in text


def test_the_sandbox_figure_stays_out_of_the_prompt() -> None:
    """Both tracks get the same harness; what held around the tools is not program advice."""
    profile = synthetic_profile()
    profile.sections["simulated"].figures["containment"] = "full"
    context = generate_mutation_context(profile)
    assert "D1 miss rate" in context.text
    assert "containment" not in context.text
