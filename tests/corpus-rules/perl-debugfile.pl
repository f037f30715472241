#!/usr/bin/perl
# perl-debugfile.pl - prints Perl pprof (google-pprof, read on stdin) patched
# for cpprof's [dbg] rule (README, "Compatibility with Perl pprof"): a
# stripped object whose separate debug file exists (build-id under
# /usr/lib/debug/.build-id, or .gnu_debuglink next to it) is read through that
# file, every inline level included (addr2line -i, one address at a time when
# the object has no _fini separator), leading inlined allocator levels skipped
# (README: "Inlined allocator wrappers"), as tests/corpus-rules/check.py
# applies it.
use strict;
use warnings;
local $/;
my $p = <STDIN>;
my $find = <<'PERL';
  return undef;
}

# PATCH: a stripped object's separate debug file (build-id, .gnu_debuglink)
sub SeparateDebugFile {
  my $file = shift;
  if (-f $file && `readelf -S '$file' 2>/dev/null` !~ /\.debug_info/) {
    my $n = `readelf -n '$file' 2>/dev/null`;
    if ($n =~ /Build ID: ([0-9a-f]{2})([0-9a-f]+)/ && -f "/usr/lib/debug/.build-id/$1/$2.debug") {
      return "/usr/lib/debug/.build-id/$1/$2.debug";
    }
    my $l = `readelf -p .gnu_debuglink '$file' 2>/dev/null`;
    my ($d) = $file =~ m{^(.*)/};
    $d = "." unless defined $d;
    if ($l =~ /\]\s+(\S+)/ && -f "$d/$1") { return "$d/$1"; }
  }
  return undef;
}
PERL
$p =~ s/(sub DebuggingLibrary \{.*?\n)  return undef;\n\}\n/$1$find/s or die "DebuggingLibrary";
# addr2line only (nm keeps reading the object itself, as cpprof's nm view does)
$p =~ s/(sub MapToSymbols \{.*?)my \$debugging = DebuggingLibrary\(\$image\);/$1my \$nm_image = DebuggingLibrary(\$image) || \$image;\n  my \$debugging = DebuggingLibrary(\$image) || SeparateDebugFile(\$image);/s
  or die "MapToSymbols debug file";
$p =~ s/(sub MapToSymbols \{.*?)MapSymbolsWithNM\(\$image, \$offset, \$pclist, \$nm_symbols\);/$1MapSymbolsWithNM(\$nm_image, \$offset, \$pclist, \$nm_symbols);/s
  or die "MapToSymbols nm";
my $each = <<'PERL';
  # PATCH: no _fini in a debug file: addr2line -i one address at a time
  if (!defined($sep_address) && $debugging) {
    foreach my $pcstr (@{$pclist}) {
      my $a = AddressSub($pcstr, $offset);
      open(A2L, "echo $a | $cmd -i |") || error("$cmd: $!\n");
      my @l = <A2L>;
      close(A2L);
      # cpprof's rule for inlined allocator wrappers (ld.so's calloc): skipped
      while (@l > 2 && $l[0] =~ /^(malloc|calloc|realloc|memalign|aligned_alloc|valloc|pvalloc)\r?\n$/) {
        splice(@l, 0, 2);
      }
      while (@l >= 2) {
        my $fullfunction = shift @l;
        my $filelinenum = shift @l;
        $fullfunction =~ s/\r?\n$//;
        $filelinenum =~ s/\r?\n$//;
        $filelinenum =~ s/ \(discriminator \d+\)$//;
        $filelinenum =~ s/:\?$/:0/;
        my $function = ShortFunctionName($fullfunction);
        my $nms = $nm_symbols->{$pcstr};
        if (defined($nms)) {
          if ($fullfunction eq '??') {
            $function = $nms->[0];
            $fullfunction = $nms->[2];
          } elsif ($nms->[2] =~ m/^\Q$function\E/) {
            $function = $nms->[0];
            $fullfunction = $nms->[2];
          }
        }
        $symbols->{$pcstr} = [] unless defined $symbols->{$pcstr};
        unshift(@{$symbols->{$pcstr}}, $function, $filelinenum, $fullfunction);
      }
    }
    return;
  }

  # Make file with all PC values with intervening 'sep_address' so
PERL
$p =~ s/  # Make file with all PC values with intervening 'sep_address' so\n/$each/ or die "MapToSymbols";
print $p;
