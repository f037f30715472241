03-shlib	shlib.0001.heap	shlib	plugin_entry|main_callback|lib_|linked_
