"""One call of a copy on a fresh input, judged: the worker's reply, its process and clock
checks after the call (verdicts.py), and every output of an input checked against the
task's initial program's output on that input (its output in the same round, or the
oracle's)."""

from __future__ import annotations

from functools import partial

from ..sandbox.worker_client import CallReply
from ..tasks.generator import TaskGenerator, fresh_seed
from .verdicts import OutputJudge, judge_clock, judge_process
from .workers import Copy, WorkerPool


class CheckedCalls:
    def __init__(
        self, pool: WorkerPool, judge: OutputJudge, generator: TaskGenerator, timeout: float
    ) -> None:
        self.pool = pool
        self.judge = judge
        self.generator = generator
        self.timeout = timeout
        self.seen_seeds: set[int] = set()

    def fresh_input(self) -> tuple[int, bytes]:
        """A seed never used before in this session, and the input it generates."""
        seed = fresh_seed()
        while seed in self.seen_seeds:
            seed = fresh_seed()
        self.seen_seeds.add(seed)
        return seed, self.generator.generate(seed)

    def call(self, copy: Copy, data: bytes) -> CallReply:
        """One call of ``copy`` on ``data``, its process and clock checked."""
        reply = self.pool.guard(copy, partial(copy.worker.run, data, self.timeout))
        stats = self.pool.guard(copy, copy.worker.stats)
        copy.calls += 1
        judge_process(copy, reply, stats)
        copy.cpu_after_last_ns = stats.cpu_ns
        copy.wall_ns += reply.wall_ns
        copy.cpu_in_calls_ns += min(reply.cpu_ns, reply.wall_ns)
        judge_clock(copy, reply)
        return reply

    def run(self, calls: list[tuple[Copy, bytes]], seed: int, data: bytes) -> list[CallReply]:
        """Runs ``calls`` (copy, input) in order, then checks every output of ``data``."""
        replies = [self.call(copy, payload) for copy, payload in calls]
        expected: bytes | None = None
        for (copy, _), reply in zip(calls, replies, strict=True):
            if copy.trusted:
                expected = reply.output
        if expected is None:
            assert self.pool.oracle is not None  # started when no program is the reference
            expected = self.call(self.pool.oracle, data).output
        self.judge.note_expected(expected)
        for (copy, _), reply in zip(calls, replies, strict=True):
            self.judge.check(copy.program_index, seed, expected, reply.output)
        return replies
