/* test_config.c -- anketa.conf parsing: defaults, every error named with
 * FILE:LINE, a path that is no readable file named as such, secrets from
 * files, and the shipped sample parses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/config.h"

static char dir[64];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/anketa-cfg-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	/* a few paths live at once in one test: keep them apart */
	static char path[4][128];
	static int which;
	char *p = path[which++ % 4];
	FILE *fp;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(p, mode);
	return p;
}

static const char minimal[] =
	"[store]\npath = /tmp/x.db\n"
	"[sender]\naddress = organiser@example.org\n"
	"reply_to = organiser+{token}@example.org\n"
	"[smtp]\nurl = smtp://127.0.0.1:10025\n";

static void
test_minimal_and_defaults(void **state)
{
	struct errlist errs = { 0 };
	struct config *cfg = NULL;
	char *p = write_file("a.conf", minimal, 0644);

	assert_int_equal(config_load(p, &cfg, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_string_equal(cfg->store_path, "/tmp/x.db");
	assert_string_equal(cfg->imap.mailbox, "INBOX");
	assert_int_equal(cfg->smtp.require_tls, 1);
	assert_int_equal(cfg->smtp.concurrency, 4);
	/* RFC 5321 4.5.3.2 and Postfix's queue defaults */
	assert_int_equal(cfg->smtp.timeout, 300);
	assert_int_equal(cfg->smtp.data_timeout, 180);
	assert_int_equal(cfg->smtp.dot_timeout, 600);
	assert_int_equal(cfg->imap.timeout, 30);
	assert_int_equal(cfg->queue.min_backoff, 300);
	assert_int_equal(cfg->queue.max_backoff, 4000);
	assert_int_equal(cfg->queue.lifetime, 5 * 86400);
	assert_int_equal(cfg->queue.pause, 300);
	assert_string_equal(cfg->message_id_domain, "example.org");
	/* the return path defaults to the reply address */
	assert_string_equal(cfg->return_path, cfg->reply_to);
	config_free(&cfg);
	assert_null(cfg);
}

static void
test_every_error_with_line(void **state)
{
	static const char bad[] =
		"[store]\npath = /tmp/x.db\n"		/* 1-2 */
		"[smtp]\nurl = ftp://x\n"		/* 3-4 */
		"timeout = soon\n"			/* 5 */
		"concurrency = 1000\n"			/* 6 */
		"colour = blue\n"			/* 7 */
		"require_tls = maybe\n";		/* 8 */
	struct errlist errs = { 0 };
	struct config *cfg = NULL;
	char *p = write_file("bad.conf", bad, 0644);
	char want[256];
	const char *expect[] = {
		":5: [smtp] timeout = soon: expected a whole number",
		":6: [smtp] concurrency = 1000: expected a whole number from 1 to 64",
		":7: unknown key [smtp] colour",
		":8: [smtp] require_tls = maybe: expected yes or no",
		": [sender] address: missing",
		": [sender] reply_to: must contain {token}",
		": [smtp] url: missing or not smtp://",
	};

	assert_int_equal(config_load(p, &cfg, &errs), -1);
	assert_null(cfg);
	assert_int_equal(errs.n, sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < errs.n; i++) {
		snprintf(want, sizeof(want), "%s%s", p, expect[i]);
		assert_true(strncmp(errs.v[i], want, strlen(want)) == 0);
	}
	errlist_free(&errs);
}

/* [digest] and [staff]: the readers with their languages, the schedule
 * checked as cron_parse reads it, every problem named by its line. */
static void
test_digest_staff(void **state)
{
	static const char good[] =
		"[digest]\nschedule = 30 7 * * 1-5\n"
		"timezone = Europe/Sofia\n"
		"[staff]\ndesk@example.org = BG\njan@example.org = cs\n";
	static const char bad[] =
		/* after minimal's 7 lines */
		"[digest]\nschedule = 30 25 * * *\n"	/* 8-9 */
		"[staff]\nnobody = en\n"		/* 10-11 */
		"desk@example.org = fr\n"		/* 12 */
		"jan@example.org = cs\n"		/* 13 */
		"JAN@example.org = nl\n";		/* 14 */
	const char *expect[] = {
		":11: [staff] nobody: not an e-mail address",
		":12: [staff] desk@example.org = fr: expected a language",
		":14: [staff] JAN@example.org set twice",
		":9: [digest] schedule = 30 25 * * *, timezone = UTC: field 2",
	};
	struct errlist errs = { 0 };
	struct config *cfg = NULL;
	char text[1024], want[256], *p;

	(void)state;
	snprintf(text, sizeof(text), "%s%s", minimal, good);
	p = write_file("digest.conf", text, 0644);
	assert_int_equal(config_load(p, &cfg, &errs), 0);
	assert_string_equal(cfg->digest.schedule, "30 7 * * 1-5");
	assert_string_equal(cfg->digest.timezone, "Europe/Sofia");
	assert_int_equal(cfg->digest.nstaff, 2);
	assert_string_equal(cfg->digest.staff[0].address, "desk@example.org");
	assert_string_equal(cfg->digest.staff[0].language, "bg");
	assert_string_equal(cfg->digest.staff[1].language, "cs");
	config_free(&cfg);
	snprintf(text, sizeof(text), "%s%s", minimal, bad);
	p = write_file("digest-bad.conf", text, 0644);
	assert_int_equal(config_load(p, &cfg, &errs), -1);
	assert_int_equal(errs.n, sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < errs.n; i++) {
		snprintf(want, sizeof(want), "%s%s", p, expect[i]);
		if (strncmp(errs.v[i], want, strlen(want)) != 0)
			fail_msg("got %s, want %s", errs.v[i], want);
	}
	errlist_free(&errs);
	/* staff without a schedule get nothing: an error, too */
	snprintf(text, sizeof(text), "%s[staff]\nd@example.org = en\n",
		 minimal);
	p = write_file("digest-none.conf", text, 0644);
	assert_int_equal(config_load(p, &cfg, &errs), -1);
	assert_non_null(strstr(errs.v[0], "[digest] schedule is not set"));
	errlist_free(&errs);
}

/* A token goes in the local part, and the local part with a 16-character
 * token stays within 64 octets (RFC 5321 4.5.3.1.1). */
static void
test_token_address(void **state)
{
	/* local parts of 64 - 16 = 48 octets besides the token fit */
	static const char *const cases[][2] = {
		{ "organiser+{token}@example.org", NULL },
		{ "organiser@{token}.example.org", "{token} must be in the "
		  "local part" },
		{ "programme-office-of-the-integration-network-480+{token}@x.org",
		  NULL },
		{ "programme-office-of-the-integration-network-4900+{token}@x.org",
		  "the local part would be 65 octets" },
	};
	struct config *cfg = NULL;
	char text[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct errlist errs = { 0 };
		char *p;
		int rc;

		snprintf(text, sizeof(text), "[store]\npath = /tmp/x.db\n"
			 "[sender]\naddress = organiser@example.org\n"
			 "reply_to = %s\n[smtp]\nurl = maildir:/tmp/x\n",
			 cases[i][0]);
		p = write_file("tok.conf", text, 0600);
		rc = config_load(p, &cfg, &errs);
		if (cases[i][1] == NULL) {
			if (rc != 0)
				fail_msg("%s: %s", cases[i][0], errs.v[0]);
			config_free(&cfg);
		} else {
			assert_int_equal(rc, -1);
			assert_int_equal(errs.n, 1);
			if (strstr(errs.v[0], cases[i][1]) == NULL)
				fail_msg("%s: got %s", cases[i][0],
					 errs.v[0]);
		}
		errlist_free(&errs);
	}
}

static void
test_password_rules(void **state)
{
	struct errlist errs = { 0 };
	struct config *cfg = NULL;
	char text[1024];
	char *secret = write_file("secret", "s3cret\n", 0600);
	char *p;

	/* an inline password in a world-readable file is refused */
	snprintf(text, sizeof(text), "%s[imap]\nurl = imap://127.0.0.1:1\n"
		 "password = hunter2\n", minimal);
	p = write_file("pw.conf", text, 0644);
	assert_int_equal(config_load(p, &cfg, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0], ":10: [imap] password: the file is "
				"readable by others (mode 644)"));
	errlist_free(&errs);
	/* the same file with mode 600 is fine */
	chmod(p, 0600);
	assert_int_equal(config_load(p, &cfg, &errs), 0);
	assert_string_equal(cfg->imap.password, "hunter2");
	config_free(&cfg);
	/* password_file: first line, newline removed */
	snprintf(text, sizeof(text), "%s[smtp]\npassword_file = %s\n",
		 minimal, secret);
	p = write_file("pwf.conf", text, 0644);
	assert_int_equal(config_load(p, &cfg, &errs), 0);
	assert_string_equal(cfg->smtp.password, "s3cret");
	config_free(&cfg);
	/* a readable secret file is refused */
	chmod(secret, 0644);
	assert_int_equal(config_load(p, &cfg, &errs), -1);
	assert_non_null(strstr(errs.v[0], "readable by others"));
	errlist_free(&errs);
}

/* A config path that is not a readable file says what it is, alone: a
 * directory used to read as an empty file ("[sender] address: missing"
 * and the rest). So does a password_file that is a directory. */
static void
test_not_a_file(void **state)
{
	struct errlist errs = { 0 };
	struct config *cfg = NULL;
	char path[160], want[200], text[1024];
	struct {
		const char *name;	/* under dir */
		const char *why;
	} cases[] = {
		{ "", "is a directory" },
		{ "nosuch.conf", "No such file or directory" },
		{ "file/a.conf", "Not a directory" },
	};

	write_file("file", "x\n", 0644);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
		if (*cases[i].name == '\0')
			snprintf(path, sizeof(path), "%s", dir);
		assert_int_equal(config_load(path, &cfg, &errs), -1);
		assert_null(cfg);
		snprintf(want, sizeof(want), "%s: %s", path, cases[i].why);
		if (errs.n != 1 || strcmp(errs.v[0], want) != 0)
			fail_msg("%zu errors, first '%s', wanted '%s'", errs.n,
				 errs.n ? errs.v[0] : "", want);
		errlist_free(&errs);
	}
	snprintf(text, sizeof(text), "%s[smtp]\npassword_file = %s\n",
		 minimal, dir);
	assert_int_equal(config_load(write_file("pwd.conf", text, 0600), &cfg,
				     &errs), -1);
	snprintf(want, sizeof(want), "%s: is a directory", dir);
	assert_int_equal(errs.n, 1);
	if (strstr(errs.v[0], want) == NULL)
		fail_msg("'%s' does not say '%s'", errs.v[0], want);
	errlist_free(&errs);
}

static void
test_shipped_sample_parses(void **state)
{
	const char *src = getenv("ANKETA_SRCDIR");
	struct errlist errs = { 0 };
	struct config *cfg = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/contrib/anketa.conf", src ? src : ".");
	if (config_load(path, &cfg, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		fail();
	}
	assert_string_equal(cfg->imap.mailbox, "INBOX");
	config_free(&cfg);
}

/* The back-off range must be a range. */
static void
test_queue_backoff_range(void **state)
{
	char text[512];
	struct errlist errs = { 0 };
	struct config *cfg = NULL;
	char *p;

	snprintf(text, sizeof(text), "%s[queue]\nmin_backoff = 5000\n"
		 "max_backoff = 100\n", minimal);
	p = write_file("q.conf", text, 0644);
	assert_int_equal(config_load(p, &cfg, &errs), -1);
	assert_null(cfg);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0], ": [queue] min_backoff (5000) is "
			       "larger than max_backoff (100)"));
	errlist_free(&errs);
}

static void
test_expand_token(void **state)
{
	char *s = config_expand_token("organiser+{token}@example.org", "abc");

	assert_string_equal(s, "organiser+abc@example.org");
	free(s);
	s = config_expand_token("plain@example.org", "abc");
	assert_string_equal(s, "plain@example.org");
	free(s);
}

/* ---- anketa.conf(5) against the table ---------------------------------- */

#define DOC_MAX 128

struct doc_key {
	char section[32], key[48], def[160];
	int has_def, seen;
};

/* "(default X)", "(default empty...)" or "(no default...)": X is the
 * text up to ')', ':' or a blank, PKGDATADIR standing for the build's. */
static void
doc_default(struct doc_key *k, const char *line)
{
	size_t n;

	k->has_def = strncmp(line, "(default ", 9) == 0;
	if (!k->has_def)
		return;
	line += 9;
	n = strcspn(line, "): ");
	if (strncmp(line, "empty", n) == 0 && n == 5)
		n = 0;
	else if (strncmp(line, "PKGDATADIR", 10) == 0)
		snprintf(k->def, sizeof(k->def), "%s%.*s", PKGDATADIR,
			 (int)(n - 10), line + 10);
	if (k->def[0] == '\0')
		snprintf(k->def, sizeof(k->def), "%.*s", (int)n, line);
}

/* Every ".SS [section]", then ".TP" / ".B key" / "(default ...)". */
static size_t
doc_keys(FILE *fp, struct doc_key *keys)
{
	char line[512], section[32] = "";
	size_t n = 0;
	int tp = 0;

	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, ".SS [%31[^]]]", section) == 1) {
			tp = 0;
			continue;
		}
		if (tp == 1 && strncmp(line, ".B ", 3) == 0 && *section &&
		    n < DOC_MAX) {
			snprintf(keys[n].section, sizeof(keys[n].section),
				 "%s", section);
			snprintf(keys[n].key, sizeof(keys[n].key), "%s",
				 line + 3);
			tp = 2;
			continue;
		}
		if (tp == 2)
			doc_default(&keys[n++], line);
		tp = strcmp(line, ".TP") == 0;
	}
	return n;
}

/* docs/anketa.conf.5 names every key config_load accepts, under its
 * section, with the default the table has, and no key it does not. */
static void
test_config_doc(void **state)
{
	const char *src = getenv("ANKETA_SRCDIR"), *sect, *key, *def;
	static struct doc_key keys[DOC_MAX];
	char path[512];
	size_t n, i, bad = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/docs/anketa.conf.5", src ? src : ".");
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = doc_keys(fp, keys);
	fclose(fp);
	for (i = 0; config_key(i, &sect, &key, &def) == 0; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (strcmp(keys[j].section, sect) == 0 &&
			    strcmp(keys[j].key, key) == 0)
				break;
		if (j == n) {
			fprintf(stderr, "[%s] %s: not in %s\n", sect, key,
				path);
			bad++;
			continue;
		}
		keys[j].seen = 1;
		if ((def != NULL) != keys[j].has_def ||
		    (def != NULL && strcmp(def, keys[j].def) != 0)) {
			fprintf(stderr, "[%s] %s: default %s, documented %s\n",
				sect, key, def ? def : "none",
				keys[j].has_def ? keys[j].def : "none");
			bad++;
		}
	}
	assert_true(i > 30);	/* the table was walked */
	for (size_t j = 0; j < n; j++)
		if (!keys[j].seen) {
			fprintf(stderr, "[%s] %s: documented, not accepted\n",
				keys[j].section, keys[j].key);
			bad++;
		}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_and_defaults),
		cmocka_unit_test(test_every_error_with_line),
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_token_address),
		cmocka_unit_test(test_digest_staff),
		cmocka_unit_test(test_shipped_sample_parses),
		cmocka_unit_test(test_queue_backoff_range),
		cmocka_unit_test(test_expand_token),
		cmocka_unit_test(test_config_doc),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
