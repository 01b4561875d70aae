# saleor-rewards: see README.md
.PHONY: test test-isolated bench schema demo

test:            ## both suites (integration when Saleor 3.23 is available)
	bash scripts/test.sh

test-isolated:   ## the suites in a venv that does not see a preinstalled Saleor
	SALEOR_SITE_PACKAGES=0 bash scripts/test.sh

bench:           ## ledger vs pgbench, 10,000 members
	.venv/bin/python bench/ledger_bench.py

schema:          ## reprint rewards_schema.graphql from the code
	.venv/bin/python -m saleor_rewards.graphql.print_schema > rewards_schema.graphql

demo:            ## the storefront story through Saleor's real API; sets up .venv like `make test`
	bash scripts/demo.sh $(DEMO_ARGS)
