# docs/api.md §10 in a real browser (Debian's chromium, headless): pages on
# one origin post to mod_leads on another, by a plain <form> submit (the
# 303 to the form's redirect page is followed) and by fetch() with a JSON
# body (a CORS preflight first); a page on a third origin is refused. The
# pages are served by the same httpd on two more ports: http://localhost:P
# and http://localhost:Q are origins of their own, and mod_leads is at
# http://127.0.0.1:N. On a failure a screenshot of the page is kept (its
# path is in the diagnostics).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Path qw(make_path);
use LeadsTest qw(backends free_port run_cmd wait_for);

my ($CHROMIUM) = grep { -x } qw(/usr/bin/chromium /usr/bin/chromium-browser);
plan skip_all => 'chromium is not installed (make deps-test)' unless $CHROMIUM;

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

# Load $url headless, let its scripts and navigations run; the DOM after.
sub browse {
    my ($dir, $url) = @_;
    my ($rc, $out, $err) = run_cmd([ $CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
                                     '--no-first-run', "--user-data-dir=$dir/chromium",
                                     '--virtual-time-budget=8000', '--dump-dom', $url ]);
    return $out // '';
}

sub screenshot_on_failure {
    my ($ok, $dir, $url, $name) = @_;
    return if $ok;
    (my $file = "$dir/fail-$name.png") =~ s/[^\w\/.-]+/_/g;
    run_cmd([ $CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
              "--user-data-dir=$dir/chromium", '--virtual-time-budget=8000',
              "--screenshot=$file", $url ]);
    diag "screenshot of $url kept: $file";
}

my $FETCH_PAGE = <<'EOF';
<!doctype html>
<html><head><title>pending</title></head><body>
<script>
fetch("ENDPOINT", {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ given: "Fetch", family: "Page", email: "fetch@example.com" }),
}).then(async r => { const j = await r.json(); document.title = "result:" + r.status + ":" + j.status; })
  .catch(e => { document.title = "error:" + e.name; });
</script>
</body></html>
EOF

my $FORM_PAGE = <<'EOF';
<!doctype html>
<html><head><title>form</title></head><body>
<form action="ENDPOINT" method="post">
  <input name="given" value="Plain">
  <input name="family" value="Form">
  <input name="email" value="plain@example.com">
  <input name="website" value="" style="display:none">
</form>
<script>document.forms[0].submit();</script>
</body></html>
EOF

for my $backend (backends()) {
    subtest "backend $backend" => sub {
        my ($good, $evil) = (free_port(), free_port());
        my $site = LeadsTest->site(backend => $backend, no_start => 1, conf => [
            'LeadsRateLimit 0', 'LeadsFormRateLimit 0',
            "LoadModule mime_module $LeadsTest::MODULES/mod_mime.so",
            'TypesConfig /etc/mime.types',
            "Listen 127.0.0.1:$good", "Listen 127.0.0.1:$evil",
            'LogFormat "%{Host}i \"%r\" %>s" pages',
            'CustomLog logs/access.log pages',
        ]);
        my $docs = $site->dir . '/htdocs';
        make_path("$docs/good", "$docs/evil");
        chmod 0755, $docs, "$docs/good", "$docs/evil";
        $site->{extra} .= "\n<VirtualHost 127.0.0.1:$good>\n    DocumentRoot \"$docs/good\"\n"
                        . "    <Directory \"$docs\">\n        Require all granted\n    </Directory>\n</VirtualHost>\n"
                        . "<VirtualHost 127.0.0.1:$evil>\n    DocumentRoot \"$docs/evil\"\n</VirtualHost>\n";
        $site->start->settle;
        my $p = $site->provision;
        my $good_origin = "http://localhost:$good";
        my $key = $site->ctl('form', 'add', '--firm', $p->{firm}, '--name', 'Browser form',
                             '--origin', $good_origin, '--redirect', "$good_origin/thanks.html",
                             '--honeypot', 'website', '--map', 'first_name=given', '--map', 'last_name=family');
        my $endpoint = $site->url("/api/leads?key=$key");
        (my $form = $FORM_PAGE) =~ s/ENDPOINT/$endpoint/;
        (my $fetch = $FETCH_PAGE) =~ s/ENDPOINT/$endpoint/;
        write_file("$docs/good/form.html", $form);
        write_file("$docs/good/fetch.html", $fetch);
        write_file("$docs/good/thanks.html", "<!doctype html><title>thanks</title><p>Thank you.</p>\n");
        write_file("$docs/evil/fetch.html", $fetch);
        chmod 0644, glob("$docs/*/*.html");
        my $log = sub { my $t = do { local $/; open my $f, '<', $site->dir . '/logs/access.log'; $f ? <$f> : '' }; $t // '' };
        my $leads = sub { $site->sql1("SELECT count(*) FROM leads WHERE first_name = '$_[0]'") };

        # a plain form post: the lead arrives and the browser follows the 303
        my $url = "$good_origin/form.html";
        browse($site->dir, $url);
        my $ok = is($leads->('Plain'), 1, 'plain form submit: the lead arrived');
        $ok &= like($log->(), qr{"POST /api/leads\?key=lpk_\w+ HTTP/1.1" 303}, 'the post was answered 303');
        $ok &= ok(wait_for(5, sub { $log->() =~ m{localhost:$good "GET /thanks.html HTTP/1.1" 200} }),
                  'the browser followed the redirect to the thank-you page');
        screenshot_on_failure($ok, $site->dir, $url, 'form');

        # fetch() with JSON: a preflight, then the post, read by the page
        $url = "$good_origin/fetch.html";
        my $dom = browse($site->dir, $url);
        $ok = like($dom, qr{<title>result:201:created</title>}, 'fetch() from the form\'s origin: 201 read by the page')
            or diag substr($dom, 0, 400);
        $ok &= like($log->(), qr{"OPTIONS /api/leads\?key=lpk_\w+ HTTP/1.1" 204}, 'after a 204 preflight');
        $ok &= is($leads->('Fetch'), 1, 'fetch(): the lead arrived');
        screenshot_on_failure($ok, $site->dir, $url, 'fetch');

        # the same page on a third origin
        $url = "http://localhost:$evil/fetch.html";
        $dom = browse($site->dir, $url);
        $ok = like($dom, qr{<title>error:TypeError</title>}, 'fetch() from another origin fails in the browser')
            or diag substr($dom, 0, 400);
        $ok &= like($log->(), qr{"OPTIONS /api/leads\?key=lpk_\w+ HTTP/1.1" 403}, 'its preflight was refused 403');
        $ok &= is($leads->('Fetch'), 1, 'no lead from the other origin');
        screenshot_on_failure($ok, $site->dir, $url, 'evil');
    };
}

done_testing();
