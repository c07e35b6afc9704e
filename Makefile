# Two commands matter: `make demo` and `make test`. The scripts they run work without make, too.
.PHONY: demo test bench lint messages venv

demo:  ## run the demo at http://127.0.0.1:$${PORT:-8000}/ (scripts/demo.sh)
	scripts/demo.sh

test:  ## run the tests (scripts/test.sh); pass pytest options with ARGS="-k consent -x"
	scripts/test.sh $(ARGS)

bench:  ## PDFs (signed agreement, 30 blank forms) and consent (class grid, do-not-photograph PDF) timings (scripts/bench.py)
	@scripts/_venv.sh
	.venv/bin/python scripts/bench.py

.PHONY: bench-trust
bench-trust:  ## trust-scale benchmark: 20 schools, 200,000 incidents, production settings on Postgres + gunicorn (scripts/bench_trust.py; docs/benchmark.md)
	@scripts/_venv.sh
	.venv/bin/python scripts/bench_trust.py $(ARGS)

.PHONY: bench-interop
bench-interop:  ## roster imports: a 2,000-student OneRoster zip and a 400-pupil CTF, time and peak memory (scripts/bench_interop.py; set DATABASE_URL for Postgres)
	@scripts/_venv.sh
	.venv/bin/python scripts/bench_interop.py

.PHONY: bench-sweeps
bench-sweeps:  ## the beat sweeps on a busy and a quiet day at trust scale: CPU (app + Postgres), statements, e-mails; a copy of safeguard_bench, never it (scripts/bench_sweeps.py)
	@scripts/_venv.sh
	.venv/bin/python scripts/bench_sweeps.py $(ARGS)

.PHONY: bench-scale
bench-scale:  ## issue 18's table from one run: the trust bench at 200,000 incidents (8 clients), CPU per page at 2,000,000 (history added), the CP file and the sweeps (scripts/bench_scale.py)
	@scripts/_venv.sh
	.venv/bin/python scripts/bench_scale.py $(ARGS)

lint: venv  ## ruff
	.venv/bin/ruff check .

messages: venv  ## update the Turkish catalogue from the source (keeping its `#:` source references, as committed) and rebuild the American English one (scripts/make_en_us_catalogue.py), then compile them
	.venv/bin/python manage.py makemessages -l tr --no-obsolete
	.venv/bin/python scripts/make_en_us_catalogue.py
	.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules

venv:
	@scripts/_venv.sh
