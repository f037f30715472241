02-rich	rich-O0.0001.heap	rich-O0	Use|Aligned|Recurse|MakeOne|Duplicate
