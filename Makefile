.PHONY: run test
run:  ## install, migrate, load the Ordos plan and demo data, serve on http://127.0.0.1:8000
	scripts/run.sh
test:  ## install and run the whole test suite (DATABASE_URL selects the database)
	scripts/test.sh
