02-rich	rich-O2-nopie.0001.heap	rich-O2-nopie	Use|Aligned|Recurse|MakeOne|Duplicate
