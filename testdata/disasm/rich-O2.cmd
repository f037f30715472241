02-rich	rich-O2.0001.heap	rich-O2	Use|Aligned|Recurse|MakeOne|Duplicate
