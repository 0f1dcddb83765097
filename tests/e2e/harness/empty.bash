# A suite that defines no test: the harness must fail it.
setup_scheme
