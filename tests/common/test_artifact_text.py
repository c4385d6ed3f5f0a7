from aiopt_harness.common.artifact_text import artifact_safe
from aiopt_harness.profilers.causal import load_bcoz_profile
from aiopt_harness.profilers.offcpu import load_bperf_report
from aiopt_harness.profilers.shared import short_symbol


def test_long_runs_and_secret_markers_are_defused() -> None:
    assert artifact_safe("lib_" + "0f" * 20 + ".so") == "lib_" + "0f" * 10 + "~" + "0f" * 3 + ".so"
    assert artifact_safe("token=abc Password: x") == "token =abc Password : x"
    assert artifact_safe("short_name_only") == "short_name_only"


def test_every_artifact_writer_uses_the_one_filter(tmp_path) -> None:
    """The profilers and the mutation context give the same text for the same name."""
    long_name = "run_" + "ab" * 20 + ".txt"
    missing = tmp_path / long_name
    want = artifact_safe(long_name)
    assert want in load_bcoz_profile(missing).reason
    assert want in load_bperf_report(missing).reason
    assert short_symbol("x" * 40) == artifact_safe("x" * 40)
