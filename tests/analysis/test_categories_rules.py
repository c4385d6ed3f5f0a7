"""The rule-based labeller: specific cues give specific labels, no-op changes are
refactor_noop, it is deterministic, and its agreement with the labelled set is computed
(printed, not held to a score)."""

from __future__ import annotations

import json

import pytest

from aiopt_harness.analysis.labelled_set import load_labelled_set
from aiopt_harness.analysis.labeller_agreement import labeller_agreement
from aiopt_harness.analysis.rule_labeller import rule_labels, split_diff
from aiopt_harness.analysis.taxonomy import ALL_LABELS, mutation_diff

IJK = """static void multiply(int n, const double* a, const double* b, double* c) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int k = 0; k < n; ++k) {
        sum += a[i * n + k] * b[k * n + j];
      }
      c[i * n + j] = sum;
    }
  }
}
"""


def labels_of(parent: str, child: str) -> frozenset[str]:
    return rule_labels(mutation_diff(parent, child))


def test_mutation_diff_format() -> None:
    diff = mutation_diff("a\nb\nc\n", "a\nB\nc\n")
    assert diff.splitlines()[:2] == ["--- parent", "+++ child"]
    assert "-b\n+B\n" in diff
    assert mutation_diff("same\n", "same\n") == ""
    assert rule_labels("") == frozenset()


def test_split_diff_strips_comments() -> None:
    sides = split_diff(mutation_diff("int x = 1;\n", "int x = 2;  // fix the start\n"))
    assert sides.removed == ("int x = 1;",)
    assert sides.added == ("int x = 2;  ",)
    assert "fix the start" in sides.added_comments


@pytest.mark.parametrize(
    ("child", "expected"),
    [
        (IJK.replace("  for (int i", "#pragma omp parallel for\n  for (int i"), "parallelism_simd"),
        (
            IJK.replace("double sum = 0.0;", "__m256d acc = _mm256_setzero_pd();"),
            "parallelism_simd",
        ),
        (
            IJK.replace("double sum = 0.0;", "__m256d acc = _mm256_setzero_pd();"),
            "hardware_specialization",
        ),
        (
            IJK.replace("double sum = 0.0;", "double sum = 0.0;\n      __builtin_prefetch(b + j);"),
            "hardware_specialization",
        ),
        (IJK.replace("const double* a", "const double* __restrict a"), "compiler_hints"),
        (IJK.replace("static void", "static inline void"), "compiler_hints"),
        (
            IJK.replace(
                "for (int i = 0; i < n; ++i) {", "for (int i = 0; i < n; ++i) [[likely]] {"
            ),
            "compiler_hints",
        ),
        (IJK.replace("double sum = 0.0;", "float sum = 0.0f;"), "relaxation"),
    ],
)
def test_cues(child: str, expected: str) -> None:
    assert expected in labels_of(IJK, child)


def test_loop_interchange_is_reordering() -> None:
    ikj = """static void multiply(int n, const double* a, const double* b, double* c) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) c[i * n + j] = 0.0;
    for (int k = 0; k < n; ++k) {
      for (int j = 0; j < n; ++j) {
        c[i * n + j] += a[i * n + k] * b[k * n + j];
      }
    }
  }
}
"""
    assert "reordering" in labels_of(IJK, ikj)


def test_tables_and_memos() -> None:
    parent = "int bits(unsigned v) {\n  return __builtin_popcount(v);\n}\n"
    table = (
        "static const unsigned char kBits[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};\n"
        "int bits(unsigned v) {\n  return kBits[v & 15] + kBits[v >> 4 & 15];\n}\n"
    )
    assert "precomputing" in labels_of(parent, table)
    memo = (
        "int bits(unsigned v) {\n  static std::unordered_map<unsigned, int> memo;\n"
        "  auto it = memo.find(v);\n  if (it != memo.end()) return it->second;\n"
        "  return memo[v] = __builtin_popcount(v);\n}\n"
    )
    assert "caching" in labels_of(parent, memo)


def test_removal_and_early_exit() -> None:
    parent = "void f(std::vector<int>& v) {\n  std::fill(v.begin(), v.end(), 0);\n  g(v);\n}\n"
    child = "void f(std::vector<int>& v) {\n  g(v);\n}\n"
    assert labels_of(parent, child) == {"removal"}
    scan = "for (int i = 0; i < n; ++i) {\n  if (a[i] == key) found = i;\n}\n"
    early = "for (int i = 0; i < n; ++i) {\n  if (a[i] == key) { found = i; break; }\n}\n"
    assert "removal" in labels_of(scan, early)


def test_linear_scan_to_binary_search_is_algorithmic() -> None:
    parent = "size_t i = 0;\nwhile (i < keys.size() && keys[i] < key) ++i;\n"
    child = "size_t i = std::lower_bound(keys.begin(), keys.end(), key) - keys.begin();\n"
    assert "algorithmic" in labels_of(parent, child)


def test_boundary_edit_is_bug_fix() -> None:
    parent = "for (int k = extra - 1; k > 0; --k) emit(k);\n"
    child = "for (int k = extra - 1; k >= 0; --k) emit(k);\n"
    assert "bug_fix" in labels_of(parent, child)
    guarded = "if (len < 1e-12) continue;  // guard: avoids 0/0 = NaN\n"
    assert "bug_fix" in labels_of("x = d / len;\n", guarded + "x = d / len;\n")


@pytest.mark.parametrize(
    "child",
    [
        IJK.replace(
            "      double sum", "      // the accumulator stays in a register\n      double sum"
        ),
        IJK.replace("  for (int i = 0; i < n; ++i) {", "  for (int i = 0;  i < n;  ++i)\n  {"),
        IJK.replace("sum", "acc"),
        IJK.replace("/* never */", "") + "/* a block comment\n   over two lines */\n",
    ],
)
def test_no_op_changes(child: str) -> None:
    assert labels_of(IJK, child) == {"refactor_noop"}


def test_another_function_is_no_rename() -> None:
    parent = "auto i = std::upper_bound(k.begin(), k.end(), key) - k.begin();\n"
    child = "auto i = std::lower_bound(k.begin(), k.end(), key) - k.begin();\n"
    assert "refactor_noop" not in labels_of(parent, child)
    # a name still used in the context lines was not renamed everywhere
    parent = "int total = 0;\nint x = total;\nuse(total);\n"
    child = "int total = 0;\nint x = count;\nuse(total);\n"
    assert "refactor_noop" not in labels_of(parent, child)


def test_unrecognised_change_is_replacement() -> None:
    assert labels_of("x = y + 1;\n", "x = 1 + y;\n") == {"replacement"}


def test_deterministic_and_within_taxonomy() -> None:
    cases = load_labelled_set()
    first = [rule_labels(case.diff) for case in cases]
    second = [rule_labels(case.diff) for case in reversed(cases)][::-1]
    assert first == second
    for labels in first:
        assert labels <= set(ALL_LABELS)


def test_agreement_on_labelled_set() -> None:
    result = labeller_agreement(rule_labels, load_labelled_set())
    summary = {
        key: result.to_dict()[key]
        for key in ("cases", "micro_precision", "micro_recall", "micro_f1", "macro_f1")
    }
    summary["mean_kappa"] = result.mean_kappa
    summary["exact_match"] = result.exact_match
    print("rule labeller vs labelled set:", json.dumps(summary))
    for entry in result.per_label:
        print(
            f"  {entry.label:24s} ref {entry.reference_count:2d} pred {entry.predicted_count:2d} "
            f"F1 {entry.f1} kappa {entry.kappa} {entry.kappa_undefined}"
        )
    for value in (result.micro_f1, result.macro_f1):
        assert isinstance(value, float)
        assert 0.0 <= value <= 1.0
    assert result.micro_f1 is not None and result.micro_f1 > 0
    assert result.mean_kappa is not None and -1.0 <= result.mean_kappa <= 1.0
