// Every test starts real silo processes and a PostgreSQL on a 2-core machine: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
