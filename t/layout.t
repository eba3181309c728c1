# The source tree keeps its layout (docs/architecture.md §5):
# scripts/check-includes.sh passes on the tree as it is, and fails on a
# copy of it where a file breaks a rule: an include cycle (the request
# context calling back into the handler, a leadsctl command into main), a
# core file including an httpd header or apr_dbd.h, a .c file without a
# header of its own name, a header declaring another file's functions.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Temp qw(tempdir);

my $ROOT = $ENV{LEADS_TEST_ROOT} || "$FindBin::Bin/..";
my $CHECK = "$ROOT/scripts/check-includes.sh";

# The check over `root`: (exit status, output).
sub check {
    my ($root) = @_;
    my $out = `sh '$CHECK' '$root' 2>&1`;
    return ($? >> 8, $out);
}

# A copy of the source folders, with `change` (path => sub editing the
# text, or the text of a new file) applied.
sub tree_with {
    my (%change) = @_;
    my $dir = tempdir('layout-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    for my $sub (qw(mod_leads/core mod_leads support)) {
        make_path("$dir/$sub");
        for my $f (glob "$ROOT/$sub/*.[ch]") {
            (my $name = $f) =~ s{.*/}{};
            copy($f, "$dir/$sub/$name") or die "copy $f: $!";
        }
    }
    while (my ($path, $how) = each %change) {
        my $text = '';
        if (ref $how) {
            open my $in, '<', "$dir/$path" or die "$path: $!";
            $text = $how->(do { local $/; <$in> });
        }
        else {
            $text = $how;
        }
        open my $out, '>', "$dir/$path" or die "$path: $!";
        print $out $text;
        close $out;
    }
    return $dir;
}

# One more #include line after the first one.
sub include { my ($h) = @_; sub { my ($t) = @_; $t =~ s/^(#include .*\n)/$1#include "$h"\n/m; $t } }

my ($rc, $out) = check($ROOT);
is($rc, 0, 'the tree keeps its layout') or diag $out;
like($out, qr/no include cycles/, 'and says so');

($rc, $out) = check(tree_with('mod_leads/leads_request.c' => include('leads_handler.h')));
isnt($rc, 0, 'the request context including the handler: refused');
like($out, qr/include cycle: .*leads_handler.*leads_request|include cycle: .*leads_request.*leads_handler/,
     'the cycle is named') or diag $out;

($rc, $out) = check(tree_with('support/leadsctl_rows.c' => include('leadsctl_firm.h'),
                              'support/leadsctl_firm.c' => include('leadsctl_rows.h')));
isnt($rc, 0, 'two leadsctl files including each other: refused');
like($out, qr/include cycle: .*leadsctl_firm.*leadsctl_rows|include cycle: .*leadsctl_rows.*leadsctl_firm/,
     'the cycle is named') or diag $out;

($rc, $out) = check(tree_with('mod_leads/core/leads_a.c' => qq{#include "leads_a.h"\n#include "leads_b.h"\n},
                              'mod_leads/core/leads_a.h' => "",
                              'mod_leads/core/leads_b.c' => qq{#include "leads_b.h"\n#include "leads_c.h"\n},
                              'mod_leads/core/leads_b.h' => "",
                              'mod_leads/core/leads_c.c' => qq{#include "leads_c.h"\n},
                              'mod_leads/core/leads_c.h' => qq{#include "leads_a.h"\n}));
isnt($rc, 0, 'a cycle of three, one edge through a header: refused');
like($out, qr/include cycle: leads_\w -> leads_\w -> leads_\w -> leads_\w/, 'all three named') or diag $out;

for my $h (qw(httpd.h http_log.h ap_mpm.h util_filter.h mod_dbd.h apr_dbd.h)) {
    ($rc, $out) = check(tree_with('mod_leads/core/leads_text.c' => include($h)));
    isnt($rc, 0, "a core file including $h: refused");
    like($out, qr/leads_text\.c \(core\) includes \Q$h\E/, 'the file is named') or diag $out;
}

($rc, $out) = check(tree_with('mod_leads/core/leads_text.c' => include('leads_request.h')));
like($out, qr/leads_text\.c \(core\) includes mod_leads\/leads_request\.h \(glue\)/,
     'a core file including a glue header: refused') or diag $out;

($rc, $out) = check(tree_with('support/leadsctl_key.c' => include('leads_db.h')));
like($out, qr/leadsctl_key\.c \(leadsctl\) includes mod_leads\/leads_db\.h \(glue\)/,
     'leadsctl including a glue header: refused') or diag $out;

($rc, $out) = check(tree_with('mod_leads/leads_orphan.c' => qq{#include "leads_request.h"\n}));
like($out, qr/leads_orphan\.c has no header of its own name/, 'a .c without its header: refused')
    or diag $out;

($rc, $out) = check(tree_with('mod_leads/leads_steps.h' => "int leads_step(void);\n"));
like($out, qr/leads_steps\.h declares functions but there is no leads_steps\.c/,
     'a header declaring what no .c of its name defines: refused') or diag $out;

done_testing();
