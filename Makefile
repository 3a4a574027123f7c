# fedops.rocketchat — developer entry points. Every target installs what it needs first (idempotently).
SHELL := /bin/bash
BOOT := scripts/bootstrap.sh
RUN := .venv/bin/python scripts/run_tests.py

.PHONY: help bootstrap demo test quick sanity units integration molecule lint docs build cores ee bench clean

help:
	@echo "make demo   - bring up a local lab and apply federation with the collection's playbooks"
	@echo "make test   - run every test layer (sanity, units, integration, molecule, lint, docs + docsite, build,"
	@echo "              the ansible-core matrix (cores), the execution environment check (ee))"
	@echo "make quick  - sanity + unit tests"
	@echo "make bench  - run the benchmarks in bench/ and write bench/results/"

bootstrap:
	@$(BOOT) apt dev node

demo:
	@$(BOOT) apt dev node
	@.venv/bin/python scripts/demo.py

test:
	@$(BOOT) apt dev node image cores tools
	@$(RUN)

quick: bootstrap
	@$(RUN) sanity units

sanity units lint build: bootstrap
	@$(RUN) $@

integration:
	@$(BOOT) apt dev node
	@$(RUN) $@

cores:
	@$(BOOT) apt dev cores
	@$(RUN) cores

docs ee:
	@$(BOOT) apt dev tools
	@$(RUN) $@

molecule:
	@$(BOOT) apt dev image
	@$(RUN) molecule

bench:
	@$(BOOT) apt dev peers
	@for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done

clean:
	rm -rf .build tests/output
