// Every collection starts real servers (Redis, silos, processes); on a small machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
