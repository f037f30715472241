02-rich	rich-O0-nopie.0001.heap	rich-O0-nopie	Use|Aligned|Recurse|MakeOne|Duplicate
