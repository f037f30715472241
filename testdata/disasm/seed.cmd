01-seed	seed-preload.0001.heap	seed	Leak
