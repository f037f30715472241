'-peek=(' bin/seed heap/seed.0001.heap
