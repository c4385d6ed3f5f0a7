"""The embedded model's speed with and without prompt-lookup decoding, side by side.

Two servers run at once (one with ``--draft_model prompt-lookup-decoding``, one without),
and every prompt goes to both in turn, so slow periods of the machine hit both alike. The
prompts are the real mutation prompts of the tasks' initial programs (this checkout's
templates). Each prompt is sent twice to a server: with ``max_tokens`` 1 (the time is the
prompt's evaluation: prompt tokens/s), then in full (the prompt is cached by then: the
time is generation: completion tokens/s). Temperature 0, so both servers should write
the same answer; the table says whether they did.

Usage: python bench/llm_speed.py [--tasks matmul,lz_compress,cache_policy] [--max-tokens 400]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from aiopt_harness.evolve.prompt_preview import initial_prompt  # noqa: E402
from aiopt_harness.llm.server import LocalLlmServer  # noqa: E402
from aiopt_harness.tasks.task import load_task  # noqa: E402


def mutation_prompt(name: str) -> dict[str, str]:
    return initial_prompt(load_task(name), {"failure": "none"})


def ask(api_base: str, prompt: dict[str, str], max_tokens: int) -> tuple[float, dict[str, Any]]:
    body = {
        "model": "m",
        "messages": [
            {"role": "system", "content": prompt["system"]},
            {"role": "user", "content": prompt["user"]},
        ],
        "temperature": 0.0,
        "seed": 1,
        "max_tokens": max_tokens,
    }
    request = urllib.request.Request(
        f"{api_base}/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=900) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return time.monotonic() - started, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="matmul,lz_compress,cache_policy")
    parser.add_argument("--max-tokens", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    quiet = lambda line: None  # noqa: E731
    servers = {
        "no draft": LocalLlmServer(draft_tokens=0, progress=quiet),
        "prompt lookup 10": LocalLlmServer(draft_tokens=10, progress=quiet),
    }
    rates: dict[str, dict[str, list[float]]] = {n: {"prompt": [], "gen": []} for n in servers}
    try:
        for server in servers.values():
            server.start()
        print(f"{'task':<13}{'server':<18}{'prompt tok':>11}{'prompt tok/s':>13}"
              f"{'compl tok':>10}{'gen tok/s':>10}  same answer")  # fmt: skip
        for name in args.tasks.split(","):
            prompt = mutation_prompt(name)
            for _ in range(args.repeats):
                answers = {}
                for label, server in servers.items():
                    server_base = server.api_base
                    first, _ = ask(server_base, prompt, 1)
                    full, answer = ask(server_base, prompt, args.max_tokens)
                    usage = answer["usage"]
                    prompt_rate = usage["prompt_tokens"] / first
                    gen_rate = usage["completion_tokens"] / full
                    rates[label]["prompt"].append(prompt_rate)
                    rates[label]["gen"].append(gen_rate)
                    answers[label] = answer["choices"][0]["message"]["content"]
                    same = len(set(answers.values())) == 1
                    print(f"{name:<13}{label:<18}{usage['prompt_tokens']:>11}{prompt_rate:>13.1f}"
                          f"{usage['completion_tokens']:>10}{gen_rate:>10.1f}  "
                          f"{'yes' if same else 'NO'}", flush=True)  # fmt: skip
        base = statistics.median(rates["no draft"]["gen"])
        draft = statistics.median(rates["prompt lookup 10"]["gen"])
        print(f"median generation tokens/s: {base:.1f} without drafts, {draft:.1f} with "
              f"prompt lookup ({draft / base:.2f}x)")  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
