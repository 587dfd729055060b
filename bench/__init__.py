"""Benchmarks: the same workloads through raw drivers, this ORM and its peers.

Run ``python -m bench --help``; see bench/README.md for what each workload does and how to
read the table.
"""
