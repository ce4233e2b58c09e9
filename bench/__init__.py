"""normbot benchmarks: `python -m bench` (full) or `python -m bench --quick` (< 5 minutes).

Every figure is printed beside a baseline measured in the same run on the same machine, because the machine
is shared and absolute numbers drift; the ratio is what stays meaningful. Results go to
`bench/results/latest.json` and `docs/performance.md`.
"""

__all__: list[str] = []
