# saleor-rewards: see README.md
.PHONY: test test-isolated bench bench-ledger bench-jobs bench-checkout schema demo

test:            ## both suites (integration when Saleor 3.23 is available)
	bash scripts/test.sh

test-isolated:   ## the suites in a venv that does not see a preinstalled Saleor
	SALEOR_SITE_PACKAGES=0 bash scripts/test.sh

# The bench databases are named by REWARDS_BENCH_DB (default rewards_bench; the jobs
# use <name>_jobs, pgbench <name>_pgbench). The checkout bench uses the integration
# test database of DATABASE_URL, like the integration suite.
BENCH_PY ?= .venv/bin/python

bench:           ## every figure of issue 14 side by side: ledger, checkout, jobs (PASS/FAIL)
	$(BENCH_PY) bench/all.py $(BENCH_ARGS)

bench-ledger:    ## ledger vs pgbench, 10,000 members
	$(BENCH_PY) bench/ledger_bench.py $(BENCH_ARGS)

bench-jobs:      ## expiry, activation, tier recompute at 10k, 100k and 1M lots (the curve)
	$(BENCH_PY) bench/jobs_bench.py --fresh $(BENCH_ARGS)

bench-checkout:  ## checkoutLinesAdd / checkoutComplete with the plugin on vs off; rewardsMe queries
	$(BENCH_PY) -m pytest -p no:cacheprovider --ds=saleor.tests.settings \
		tests/integration/bench_checkout.py --reuse-db -q -s

schema:          ## reprint rewards_schema.graphql from the code
	.venv/bin/python -m saleor_rewards.graphql.print_schema > rewards_schema.graphql

demo:            ## the storefront story through Saleor's real API; sets up .venv like `make test`
	bash scripts/demo.sh $(DEMO_ARGS)
